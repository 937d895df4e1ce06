// MixUp (Zhang et al. 2018, Keras's `layers.MixUp(alpha)`): a training batch whose every row is blended with
// another row of the same batch, λ·own + (1 − λ)·partner with λ ~ Beta(α, α) per row, and whose loss mixes
// the two labels the same way. `Sequential.trainStep` applies it.

/// How the rows of one training batch are blended.
public struct MixUp: Sendable, Equatable {
    /// Row r is blended with row partners[r].
    public let partners: [Int]
    /// λ of each row: its own share of the blend and of the loss (1 leaves the row as it is).
    public let weights: [Float]

    public init(partners: [Int], weights: [Float]) {
        precondition(partners.count == weights.count, "MixUp: \(partners.count) partners for \(weights.count) weights")
        precondition(weights.allSatisfy { $0 >= 0 && $0 <= 1 }, "MixUp: a weight is outside [0, 1]")
        self.partners = partners
        self.weights = weights
    }

    /// Keras's draw: a random permutation of the `rows` as partners and λ ~ Beta(alpha, alpha) per row.
    public static func draw(rows: Int, alpha: Double, using generator: inout SeededGenerator) -> MixUp {
        precondition(alpha > 0, "MixUp: alpha \(alpha) is not positive")
        let partners = Array(0..<rows).shuffled(using: &generator)
        let weights = (0..<rows).map { _ in Float(generator.nextBeta(alpha, alpha)) }
        return MixUp(partners: partners, weights: weights)
    }

    /// The label each blended row counts as for accuracy: the larger share's, as Keras's accuracy takes the
    /// arg-max of a mixed target.
    public func dominantLabels(_ labels: [Int32]) -> [Int32] {
        zip(weights, partners).enumerated().map { row, pair in pair.0 >= 0.5 ? labels[row] : labels[pair.1] }
    }
}
