// SiLU: the activation layer y = x · sigmoid(x) (swish) (Keras `Activation`-style, no parameters).

/// Applies `silu` elementwise.
public final class SiLU: Layer {
    public var name: String

    public init(name: String = "") {
        self.name = name
    }

    public var kerasClassName: String { "SiLU" }

    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {}

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { inputShape }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable { silu(x) }
}
