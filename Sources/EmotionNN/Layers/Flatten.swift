// Flatten: [N, H, W, C] → [N, H·W·C] in NHWC row-major order, Keras's order, so weights map 1:1.

/// Keras-style `Flatten`.
public final class Flatten: Layer {
    public var name: String

    public init(name: String = "") {
        self.name = name
    }

    public var kerasClassName: String { "Flatten" }

    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {}

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { [inputShape.reduce(1, *)] }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable { flatten(x) }
}
