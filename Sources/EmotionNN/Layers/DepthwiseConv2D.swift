// DepthwiseConv2D: a per-channel 2-D convolution layer (Keras DepthwiseConv2D, depth multiplier 1):
// kernel [kh, kw, channels, 1], no bias (a batch norm always follows it in the backbones).

import EmotionKernels

/// Keras-style `DepthwiseConv2D(use_bias=False)` on NHWC inputs with TF padding. One parameter,
/// `<name>.depthwise_kernel` [kh, kw, C, 1] (Keras' name and layout).
public final class DepthwiseConv2D: Layer {
    public var name: String
    public let kernelSize: (height: Int, width: Int)
    public let strides: (y: Int, x: Int)
    public let padding: Padding
    public private(set) var kernel: Parameter?

    public init(kernelSize: Int, strides: Int = 1, padding: Padding = .valid, name: String = "") {
        precondition(kernelSize > 0 && strides > 0, "DepthwiseConv2D: kernel size and strides must be positive")
        self.kernelSize = (kernelSize, kernelSize)
        self.strides = (strides, strides)
        self.padding = padding
        self.name = name
    }

    public var kerasClassName: String { "DepthwiseConv2D" }

    public var parameters: [Parameter] { kernel.map { [$0] } ?? [] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        guard kernel == nil else { return }
        precondition(inputShape.count == 3, "DepthwiseConv2D \(name): input shape \(inputShape) is not [H, W, C]")
        let shape = [kernelSize.height, kernelSize.width, inputShape[2], 1]
        kernel = Parameter(name: "\(name).depthwise_kernel", role: .weight, value: .glorotUniform(shape: shape, generator: &generator))
    }

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] {
        func length(_ input: Int, _ kernel: Int, _ stride: Int) -> Int {
            Conv2DShape.outputLength(input: input, kernel: kernel, stride: stride, padding: padding)
        }
        return [length(inputShape[0], kernelSize.height, strides.y),
                length(inputShape[1], kernelSize.width, strides.x), inputShape[2]]
    }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        guard let kernel else { preconditionFailure("DepthwiseConv2D \(name): used before build") }
        return depthwiseConv2d(x, kernel: kernel.variable(on: x.tape), strides: (strides.y, strides.x),
                               padding: padding)
    }
}
