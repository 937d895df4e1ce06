// ResidualBlock: a named chain of layers with an optional identity shortcut, out = layers(x) (+ x): the
// container of the EfficientNet blocks (depthwise-separable, MBConv, fused-MBConv, conv-BN-act).

/// Runs `layers` in order; with `hasSkip`, adds the block input to the result (shapes must match). Its
/// parameters are its layers', under the names the layers were given (e.g. `blocks.1.0.conv_pw.weight`).
public final class ResidualBlock: Layer {
    public var name: String
    public let layers: [any Layer]
    public let hasSkip: Bool

    public init(name: String, layers: [any Layer], hasSkip: Bool) {
        self.name = name
        self.layers = layers
        self.hasSkip = hasSkip
    }

    public var kerasClassName: String { "ResidualBlock" }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// The batch norms inside the block (for freezing their statistics).
    public var batchNorms: [BatchNorm2D] {
        layers.flatMap { layer -> [BatchNorm2D] in
            if let norm = layer as? BatchNorm2D { return [norm] }
            if let unit = layer as? ConvBatchNorm { return [unit.norm] }
            return []
        }
    }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        var shape = inputShape
        for layer in layers {
            layer.build(inputShape: shape, generator: &generator)
            shape = layer.outputShape(forInputShape: shape)
        }
        precondition(!hasSkip || shape == inputShape,
                     "ResidualBlock \(name): skip connection from \(inputShape) to \(shape)")
    }

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] {
        layers.reduce(inputShape) { $1.outputShape(forInputShape: $0) }
    }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        let output = layers.reduce(x) { $1($0, mode: mode) }
        return hasSkip ? add(output, x) : output
    }
}
