// RandomRotation: Keras's RandomRotation(factor), a rotation about the image centre.

import Foundation
import EmotionTensor

/// Keras `RandomRotation(factor)`: rotates by an angle drawn uniformly from [−factor, factor] turns (a
/// fraction of 2π; factor 0.05 is ±18°), positive counter-clockwise as the image is shown, about the centre
/// ((W − 1)/2, (H − 1)/2).
public struct RandomRotation: FactorAugmentation, Sendable, Equatable {
    /// The largest rotation, in turns.
    public let factor: Float

    public init(factor: Float) {
        precondition(Self.accepts(factor), "RandomRotation: factor \(factor) is outside \(Self.acceptedFactors)")
        self.factor = factor
    }

    /// One random angle, in turns.
    public func draw(using generator: inout SeededGenerator) -> Float {
        uniformDraw(using: &generator)
    }

    /// Keras's rotation map (`_compute_affine_matrix` with centre 0.5, 0.5): the output pixel p samples
    /// R(θ)·(p − c) + c, θ = turns · 2π.
    public static func transform(turns: Float, height: Int, width: Int) -> AffineTransform {
        let theta = Double(turns) * 2 * Double.pi
        let (cosine, sine) = (cos(theta), sin(theta))
        let (cx, cy) = (0.5 * Double(width - 1), 0.5 * Double(height - 1))
        return AffineTransform(
            a0: Float(cosine), a1: Float(-sine), a2: Float(cx - cx * cosine + cy * sine),
            b0: Float(sine), b1: Float(cosine), b2: Float(cy - cx * sine - cy * cosine))
    }
}
