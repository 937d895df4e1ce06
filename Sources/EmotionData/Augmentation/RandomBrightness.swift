// RandomBrightness: Keras's RandomBrightness(factor) on values in 0...255.

import EmotionTensor

/// Keras `RandomBrightness(factor, value_range=(0, 255))`: adds f·255 to every value, f drawn uniformly from
/// [−factor, factor] (a fraction of the value range), then clips to 0...255.
public struct RandomBrightness: FactorAugmentation, Sendable, Equatable {
    /// The largest change, as a fraction of the value range.
    public let factor: Float

    public init(factor: Float) {
        precondition(Self.accepts(factor), "RandomBrightness: factor \(factor) is outside \(Self.acceptedFactors)")
        self.factor = factor
    }

    /// One random f (the change is f·255).
    public func draw(using generator: inout SeededGenerator) -> Float {
        uniformDraw(using: &generator)
    }

    /// image ← clip(image + f·255, 0, 255), in place.
    public static func apply(f: Float, to image: UnsafeMutablePointer<Float>, count: Int) {
        let range = ImageAugmentation.valueRange
        let delta = f * (range.upperBound - range.lowerBound)
        for i in 0..<count { image[i] = min(max(image[i] + delta, range.lowerBound), range.upperBound) }
    }
}
