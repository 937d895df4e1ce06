// RandomContrast: Keras's RandomContrast(factor) as documented ([1 − factor, 1 + factor]).

import EmotionTensor

/// Keras `RandomContrast(factor)`: each channel moves away from (or towards) its mean over the image by a
/// factor c drawn uniformly from [1 − factor, 1 + factor], then values are clipped to 0...255. (Keras 3.15's
/// layer, against its own documentation, draws from [1, 1 + factor] only; we follow the documentation.)
public struct RandomContrast: FactorAugmentation, Sendable, Equatable {
    /// The largest relative change.
    public let factor: Float

    public init(factor: Float) {
        precondition(Self.accepts(factor), "RandomContrast: factor \(factor) is outside \(Self.acceptedFactors)")
        self.factor = factor
    }

    /// One random contrast factor c.
    public func draw(using generator: inout SeededGenerator) -> Float {
        1 + uniformDraw(using: &generator)
    }

    /// image[h, w, c] ← clip((image − mean_c)·contrast + mean_c, 0, 255), in place; mean_c over H·W.
    public static func apply(contrast: Float, to image: UnsafeMutablePointer<Float>, pixels: Int, channels: Int) {
        let range = ImageAugmentation.valueRange
        for c in 0..<channels {
            var sum = 0.0
            for p in 0..<pixels { sum += Double(image[p * channels + c]) }
            let mean = Float(sum / Double(pixels))
            for p in 0..<pixels {
                let i = p * channels + c
                image[i] = min(max((image[i] - mean) * contrast + mean, range.lowerBound), range.upperBound)
            }
        }
    }
}
