// RandomTranslation: Keras's RandomTranslation(height_factor, width_factor) with both factors equal.

import EmotionTensor

/// Keras `RandomTranslation(factor, factor)`: shifts by fy·H rows and fx·W columns, fy and fx drawn
/// independently and uniformly from [−factor, factor]; positive moves the content down and right.
public struct RandomTranslation: FactorAugmentation, Sendable, Equatable {
    /// The largest shift, as a fraction of the height and of the width.
    public let factor: Float

    public init(factor: Float) {
        precondition(Self.accepts(factor), "RandomTranslation: factor \(factor) is outside \(Self.acceptedFactors)")
        self.factor = factor
    }

    /// One random shift (fy, fx), drawn height first as Keras does.
    public func draw(using generator: inout SeededGenerator) -> (fy: Float, fx: Float) {
        let fy = uniformDraw(using: &generator)
        return (fy, uniformDraw(using: &generator))
    }

    /// Keras's translation map: the output pixel p samples p − (fx·W, fy·H).
    public static func transform(fy: Float, fx: Float, height: Int, width: Int) -> AffineTransform {
        AffineTransform(a0: 1, a1: 0, a2: -fx * Float(width), b0: 0, b1: 1, b2: -fy * Float(height))
    }
}
