// Dropout: inverted dropout in training mode, the identity in inference (Keras Dropout).

/// Keras-style `Dropout(rate)`. Each training-mode call draws a fresh mask from `seed` and then advances
/// `seed`, so a run is reproducible from the seeds `Sequential.trainStep` sets.
public final class Dropout: Layer {
    public var name: String
    public let rate: Float
    /// The seed of the next training-mode mask.
    public var seed: UInt64

    public init(rate: Float, seed: UInt64 = 0, name: String = "") {
        precondition(rate >= 0 && rate < 1, "Dropout: rate \(rate) is not in [0, 1)")
        self.rate = rate
        self.seed = seed
        self.name = name
    }

    public var kerasClassName: String { "Dropout" }

    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {}

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { inputShape }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        guard mode == .training else { return x }
        let maskSeed = seed
        seed = SeededGenerator.derivedSeed(seed, index: 1)
        return dropout(x, rate: rate, seed: maskSeed)
    }
}
