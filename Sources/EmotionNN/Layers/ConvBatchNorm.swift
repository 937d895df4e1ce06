// ConvBatchNorm: a bias-free convolution (regular or depthwise) followed by a batch norm and an
// activation, timm's conv + `BatchNormAct2d` pair, the unit every EfficientNet layer is made of.

import EmotionKernels

/// Conv (no bias, TF padding) → BatchNorm2D → activation. Parameters are named like the timm module paths
/// so pretrained files load by name: `<convName>.weight` and `<normName>.{weight,bias,running_mean,running_var}`.
/// Kernel layout in memory: regular HWIO [kh, kw, cin, filters]; depthwise [kh, kw, C, 1] (timm files hold
/// OIHW and [C, 1, kh, kw]; the loader transposes them).
public final class ConvBatchNorm: Layer {
    public enum Kind: Sendable, Equatable {
        case regular(filters: Int)
        case depthwise
    }

    public var name: String
    public let kind: Kind
    public let kernelSize: Int
    public let stride: Int
    public let padding: Padding
    public let norm: BatchNorm2D
    public private(set) var kernel: Parameter?

    public init(
        _ kind: Kind, kernelSize: Int, stride: Int = 1, padding: Padding = .same, activation: NormActivation,
        epsilon: Float, convName: String, normName: String
    ) {
        self.kind = kind
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.name = convName
        norm = BatchNorm2D(epsilon: epsilon, activation: activation, name: normName)
    }

    public var kerasClassName: String { kind == .depthwise ? "DepthwiseConvBatchNorm" : "ConvBatchNorm" }

    public var parameters: [Parameter] { (kernel.map { [$0] } ?? []) + norm.parameters }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        guard kernel == nil else { return }
        precondition(inputShape.count == 3, "ConvBatchNorm \(name): input shape \(inputShape) is not [H, W, C]")
        let shape: [Int]
        switch kind {
        case .regular(let filters): shape = [kernelSize, kernelSize, inputShape[2], filters]
        case .depthwise: shape = [kernelSize, kernelSize, inputShape[2], 1]
        }
        kernel = Parameter(name: "\(name).weight", role: .weight, value: .glorotUniform(shape: shape, generator: &generator))
        norm.build(inputShape: outputShape(forInputShape: inputShape), generator: &generator)
    }

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] {
        func length(_ input: Int) -> Int {
            Conv2DShape.outputLength(input: input, kernel: kernelSize, stride: stride, padding: padding)
        }
        let channels: Int
        switch kind {
        case .regular(let filters): channels = filters
        case .depthwise: channels = inputShape[2]
        }
        return [length(inputShape[0]), length(inputShape[1]), channels]
    }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        guard let kernel else { preconditionFailure("ConvBatchNorm \(name): used before build") }
        let norm = self.norm
        if let gamma = norm.weight, let beta = norm.bias, let mean = norm.runningMean, let variance = norm.runningVariance,
           norm.usesRunningStatistics(in: mode),
           x.tape == nil || !(x.requiresGradient || kernel.isTrainable || gamma.isTrainable || beta.isTrainable) {
            // Nothing to differentiate and fixed statistics: fold the norm into the conv.
            let y = convBatchNormInference(
                x.value, kernel: kernel.value, depthwise: kind == .depthwise, strides: (stride, stride),
                padding: padding, gamma: gamma.value, beta: beta.value, mean: mean.value, variance: variance.value,
                epsilon: norm.epsilon, activation: norm.opActivation)
            return x.tape.map { $0.constant(y) } ?? Variable(y)
        }
        let w = kernel.variable(on: x.tape)
        let convolved = kind == .depthwise
            ? depthwiseConv2d(x, kernel: w, strides: (stride, stride), padding: padding)
            : conv2d(x, kernel: w, strides: (stride, stride), padding: padding)
        return norm(convolved, mode: mode)
    }
}
