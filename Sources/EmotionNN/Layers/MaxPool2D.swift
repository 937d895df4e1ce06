// MaxPool2D: max pooling with valid padding (Keras MaxPooling2D), NHWC.

import EmotionKernels

/// Keras-style `MaxPooling2D(pool_size, strides)`; `strides` defaults to `poolSize`.
public final class MaxPool2D: Layer {
    public var name: String
    public let poolSize: Int
    public let strides: Int

    public init(poolSize: Int = 2, strides: Int? = nil, name: String = "") {
        precondition(poolSize > 0 && (strides ?? 1) > 0, "MaxPool2D: pool size and strides must be positive")
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.name = name
    }

    public var kerasClassName: String { "MaxPooling2D" }

    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {}

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] {
        [Pool2DShape.outputLength(input: inputShape[0], window: poolSize, stride: strides),
         Pool2DShape.outputLength(input: inputShape[1], window: poolSize, stride: strides), inputShape[2]]
    }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        maxPool2d(x, poolSize: poolSize, stride: strides)
    }
}
