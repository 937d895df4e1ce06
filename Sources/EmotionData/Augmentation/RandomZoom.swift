// RandomZoom: Keras's RandomZoom(height_factor) with width_factor None (one zoom for both axes).

import EmotionTensor

/// Keras `RandomZoom(factor)`: scales about the image centre by a zoom 1 + f, f drawn uniformly from
/// [−factor, factor], the same on both axes so faces keep their proportions. Keras's sign: f > 0 zooms out
/// (the output shows more than the image, the border reflected), f < 0 zooms in.
public struct RandomZoom: FactorAugmentation, Sendable, Equatable {
    /// The largest relative zoom.
    public let factor: Float
    /// Below 1, as in Keras: a draw of −1 would be a zoom of 0 (every output pixel the centre one).
    static let acceptedFactors = "(0, 1)"

    static func accepts(_ factor: Float) -> Bool { factor > 0 && factor < 1 }

    public init(factor: Float) {
        precondition(Self.accepts(factor), "RandomZoom: factor \(factor) is outside \(Self.acceptedFactors)")
        self.factor = factor
    }

    /// One random f (the zoom is 1 + f).
    public func draw(using generator: inout SeededGenerator) -> Float {
        uniformDraw(using: &generator)
    }

    /// Keras's zoom map: the output pixel p samples z·(p − c) + c, z = 1 + f, c = ((W − 1)/2, (H − 1)/2).
    public static func transform(f: Float, height: Int, width: Int) -> AffineTransform {
        let zoom = 1 + f
        return AffineTransform(
            a0: zoom, a1: 0, a2: Float(width - 1) / 2 * (1 - zoom),
            b0: 0, b1: zoom, b2: Float(height - 1) / 2 * (1 - zoom))
    }
}
