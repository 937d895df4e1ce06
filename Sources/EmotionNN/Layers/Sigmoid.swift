// Sigmoid: the activation layer y = 1 / (1 + e^−x) (Keras `Activation`-style, no parameters).

/// Applies `sigmoid` elementwise.
public final class Sigmoid: Layer {
    public var name: String

    public init(name: String = "") {
        self.name = name
    }

    public var kerasClassName: String { "Sigmoid" }

    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {}

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { inputShape }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable { sigmoid(x) }
}
