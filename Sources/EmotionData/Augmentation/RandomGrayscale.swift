// RandomGrayscale: Keras's RandomGrayscale(factor) on values in 0...255.

import EmotionTensor

/// Keras 3 `RandomGrayscale(factor)`: with probability `factor` an RGB image becomes its luminance
/// 0.2989·R + 0.5870·G + 0.1140·B (`ops.image.rgb_to_grayscale`'s weights) in all three channels, so a model
/// cannot take colour itself as evidence of a class.
public struct RandomGrayscale: FactorAugmentation, Sendable, Equatable {
    /// The probability that an image is turned grey.
    public let factor: Float

    public init(factor: Float) {
        precondition(Self.accepts(factor), "RandomGrayscale: factor \(factor) is outside \(Self.acceptedFactors)")
        self.factor = factor
    }

    /// Whether this image is turned grey (Keras's `uniform(0, 1) < factor`).
    public func draw(using generator: inout SeededGenerator) -> Bool {
        generator.nextUnitFloat() < factor
    }

    /// Each pixel's three channels ← its luminance, in place; an image of another channel count is left as
    /// it is.
    public static func apply(to image: UnsafeMutablePointer<Float>, pixels: Int, channels: Int) {
        guard channels == 3 else { return }
        for p in 0..<pixels {
            let rgb = image + 3 * p
            let luminance = 0.2989 * rgb[0] + 0.5870 * rgb[1] + 0.1140 * rgb[2]
            (rgb[0], rgb[1], rgb[2]) = (luminance, luminance, luminance)
        }
    }
}
