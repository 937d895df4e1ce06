// ReLU6: the activation layer y = min(max(x, 0), 6) (Keras `Activation`-style, no parameters).

/// Applies `relu6` elementwise.
public final class ReLU6: Layer {
    public var name: String

    public init(name: String = "") {
        self.name = name
    }

    public var kerasClassName: String { "ReLU6" }

    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {}

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { inputShape }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable { relu6(x) }
}
