// SqueezeExcitation: channel attention of MBConv blocks (timm `SqueezeExcite`): global average pool →
// 1x1 conv reduce (+bias) → activation → 1x1 conv expand (+bias) → sigmoid → rescale the input's channels.

/// timm-named parameters: `<name>.conv_reduce.weight` [1, 1, C, R] (HWIO), `<name>.conv_reduce.bias` [R],
/// `<name>.conv_expand.weight` [1, 1, R, C], `<name>.conv_expand.bias` [C].
public final class SqueezeExcitation: Layer {
    public var name: String
    public let reducedChannels: Int
    public let activation: NormActivation
    public private(set) var reduceKernel: Parameter?
    public private(set) var reduceBias: Parameter?
    public private(set) var expandKernel: Parameter?
    public private(set) var expandBias: Parameter?

    public init(reducedChannels: Int, activation: NormActivation = .silu, name: String = "") {
        precondition(reducedChannels > 0, "SqueezeExcitation: reducedChannels must be positive")
        self.reducedChannels = reducedChannels
        self.activation = activation
        self.name = name
    }

    public var kerasClassName: String { "SqueezeExcitation" }

    public var parameters: [Parameter] { [reduceKernel, reduceBias, expandKernel, expandBias].compactMap { $0 } }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        guard reduceKernel == nil else { return }
        let channels = inputShape[inputShape.count - 1]
        reduceKernel = Parameter(name: "\(name).conv_reduce.weight", role: .weight,
                                 value: .glorotUniform(shape: [1, 1, channels, reducedChannels], generator: &generator))
        reduceBias = Parameter(name: "\(name).conv_reduce.bias", role: .bias, value: Tensor(shape: [reducedChannels]))
        expandKernel = Parameter(name: "\(name).conv_expand.weight", role: .weight,
                                 value: .glorotUniform(shape: [1, 1, reducedChannels, channels], generator: &generator))
        expandBias = Parameter(name: "\(name).conv_expand.bias", role: .bias, value: Tensor(shape: [channels]))
    }

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { inputShape }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        guard let reduceKernel, let reduceBias, let expandKernel, let expandBias else {
            preconditionFailure("SqueezeExcitation \(name): used before build")
        }
        let (batch, channels) = (x.shape[0], x.shape[3])
        let squeezed = reshape(globalAveragePool(x), to: [batch, 1, 1, channels])
        var reduced = conv2d(squeezed, kernel: reduceKernel.variable(on: x.tape), bias: reduceBias.variable(on: x.tape))
        switch activation {
        case .linear: break
        case .relu6: reduced = relu6(reduced)
        case .silu: reduced = silu(reduced)
        }
        let expanded = conv2d(reduced, kernel: expandKernel.variable(on: x.tape), bias: expandBias.variable(on: x.tape))
        return multiplyChannels(x, by: reshape(sigmoid(expanded), to: [batch, channels]))
    }
}
