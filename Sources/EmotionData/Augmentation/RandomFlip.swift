// RandomFlip: Keras's RandomFlip("horizontal"), as a warp (mirroring is exact: every tap has weight 0 or 1).

import EmotionTensor

/// Keras `RandomFlip("horizontal")`: mirrors the image left to right with probability 1/2. Never vertical:
/// an upside-down face is not a face the model will be shown.
public struct RandomFlip: Sendable, Equatable {
    public init() {}

    /// Whether this image is mirrored (Keras: a uniform draw ≤ 0.5).
    public func draw(using generator: inout SeededGenerator) -> Bool {
        generator.nextUnitFloat() < 0.5
    }

    /// The mirror map: column x samples column W − 1 − x.
    public static func transform(width: Int) -> AffineTransform {
        AffineTransform(a0: -1, a1: 0, a2: Float(width - 1), b0: 0, b1: 1, b2: 0)
    }
}
