// Conv2D: a 2-D convolution layer (Keras Conv2D): kernel [kh, kw, cin, filters] (HWIO), bias [filters].

import EmotionKernels

/// Keras-style `Conv2D` on NHWC inputs, with the bias and ReLU fused into the convolution kernel.
public final class Conv2D: Layer {
    public var name: String
    public let filters: Int
    public let kernelSize: (height: Int, width: Int)
    public let strides: (y: Int, x: Int)
    public let padding: Padding
    public let activation: Activation
    public let useBias: Bool
    public private(set) var kernel: Parameter?
    public private(set) var bias: Parameter?

    public init(
        filters: Int, kernelSize: (height: Int, width: Int), strides: (y: Int, x: Int) = (1, 1),
        padding: Padding = .valid, activation: Activation = .linear, useBias: Bool = true, name: String = ""
    ) {
        precondition(filters > 0 && kernelSize.height > 0 && kernelSize.width > 0 && strides.y > 0 && strides.x > 0,
                     "Conv2D: filters, kernel size and strides must be positive")
        precondition(activation != .softmax, "Conv2D: softmax activation is not supported")
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.name = name
    }

    /// A square kernel and equal strides: `Conv2D(filters: 32, kernelSize: 3, activation: .relu)`.
    public convenience init(
        filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
        activation: Activation = .linear, useBias: Bool = true, name: String = ""
    ) {
        self.init(filters: filters, kernelSize: (kernelSize, kernelSize), strides: (strides, strides),
                  padding: padding, activation: activation, useBias: useBias, name: name)
    }

    public var kerasClassName: String { "Conv2D" }

    public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        precondition(inputShape.count == 3, "Conv2D \(name): input shape \(inputShape) is not [H, W, C]")
        if let kernel {  // Built already (the layer is shared by another model view): keep its weights.
            precondition(kernel.value.shape[2] == inputShape[2], "Conv2D \(name): built for \(kernel.value.shape[2]) channels, not \(inputShape[2])")
            return
        }
        let kernelShape = [kernelSize.height, kernelSize.width, inputShape[2], filters]
        kernel = Parameter(name: "\(name).kernel", role: .weight, value: .glorotUniform(shape: kernelShape, generator: &generator))
        bias = useBias ? Parameter(name: "\(name).bias", role: .bias, value: Tensor(shape: [filters])) : nil
    }

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] {
        func length(_ input: Int, _ kernel: Int, _ stride: Int) -> Int {
            Conv2DShape.outputLength(input: input, kernel: kernel, stride: stride, padding: padding)
        }
        return [length(inputShape[0], kernelSize.height, strides.y),
                length(inputShape[1], kernelSize.width, strides.x), filters]
    }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        guard let kernel else { preconditionFailure("Conv2D \(name): used before build") }
        return conv2d(x, kernel: kernel.variable(on: x.tape), bias: bias?.variable(on: x.tape),
                      strides: (strides.y, strides.x), padding: padding, activation: activation.fused)
    }

    /// Whether `pool` can run in this layer's pass, gradients included (`conv2dMaxPooled`): windows that do
    /// not overlap, after no activation or a ReLU.
    public func fuses(_ pool: MaxPool2D) -> Bool {
        pool.strides == pool.poolSize && (activation == .linear || activation == .relu)
    }

    /// This layer, then `pool` (which it `fuses`), in one pass: the same values and gradients, without storing
    /// the convolution's output.
    public func callAsFunction(_ x: Variable, pooledBy pool: MaxPool2D) -> Variable {
        guard let kernel else { preconditionFailure("Conv2D \(name): used before build") }
        return conv2dMaxPooled(x, kernel: kernel.variable(on: x.tape), bias: bias?.variable(on: x.tape),
                               strides: (strides.y, strides.x), padding: padding, activation: activation.fused,
                               poolSize: pool.poolSize)
    }
}
