// FactorAugmentation: what the ops bounded by one factor share (all but the flip): the factors they take and
// their uniform draw.

import EmotionTensor

/// An op whose random draw is bounded by one factor, in (0, 1] unless the op says otherwise.
protocol FactorAugmentation {
    var factor: Float { get }
    init(factor: Float)
    /// The factors the op takes, as a spec error states them.
    static var acceptedFactors: String { get }
    static func accepts(_ factor: Float) -> Bool
}

extension FactorAugmentation {
    static var acceptedFactors: String { "(0, 1]" }

    static func accepts(_ factor: Float) -> Bool { factor > 0 && factor <= 1 }

    /// Uniform in [−factor, factor) (Keras's `uniform(-factor, factor)`).
    func uniformDraw(using generator: inout SeededGenerator) -> Float {
        factor * (2 * generator.nextUnitFloat() - 1)
    }
}
