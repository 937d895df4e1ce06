// GlobalAveragePooling2D: [H, W, C] → [C], each channel's mean over the image (Keras GlobalAveragePooling2D).

/// Keras-style `GlobalAveragePooling2D` (no parameters).
public final class GlobalAveragePooling2D: Layer {
    public var name: String

    public init(name: String = "") {
        self.name = name
    }

    public var kerasClassName: String { "GlobalAveragePooling2D" }

    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {}

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { [inputShape[inputShape.count - 1]] }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable { globalAveragePool(x) }
}
