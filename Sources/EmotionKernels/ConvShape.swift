// Shapes of the 2-D convolution and pooling kernels.
//
// Legend: N batch, H/W input height/width, C input channels, O output channels (filters),
// KH/KW kernel height/width, OH/OW output height/width. Input NHWC, kernel HWIO [KH, KW, C, O], output NHWC.

/// The geometry of one 2-D convolution (NHWC input, HWIO kernel, NHWC output).
public struct Conv2DShape: Sendable, Equatable {
    public var batch: Int
    public var height: Int
    public var width: Int
    public var inChannels: Int
    public var outChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideY: Int
    public var strideX: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int

    public init(
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernelHeight: Int, kernelWidth: Int, strideY: Int = 1, strideX: Int = 1, padding: Padding = .valid
    ) {
        self.batch = batch
        self.height = height
        self.width = width
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        switch padding {
        case .valid:
            (padTop, padBottom, padLeft, padRight) = (0, 0, 0, 0)
        case .same:
            // TensorFlow SAME: out = ceil(in / stride); the odd pixel goes to the bottom/right.
            let padY = Self.samePadding(input: height, kernel: kernelHeight, stride: strideY)
            let padX = Self.samePadding(input: width, kernel: kernelWidth, stride: strideX)
            (padTop, padBottom) = (padY / 2, padY - padY / 2)
            (padLeft, padRight) = (padX / 2, padX - padX / 2)
        }
    }

    private static func samePadding(input: Int, kernel: Int, stride: Int) -> Int {
        let output = (input + stride - 1) / stride
        return max((output - 1) * stride + kernel - input, 0)
    }

    /// 0 when the kernel is larger than the padded input.
    public var outHeight: Int { Self.outputSize(height + padTop + padBottom, window: kernelHeight, stride: strideY) }
    public var outWidth: Int { Self.outputSize(width + padLeft + padRight, window: kernelWidth, stride: strideX) }

    /// The output length of a convolution along one axis: the one shape rule the layers also use.
    public static func outputLength(input: Int, kernel: Int, stride: Int, padding: Padding) -> Int {
        padding == .same ? (input + stride - 1) / stride : outputSize(input, window: kernel, stride: stride)
    }

    /// Positions of a `window` sliding by `stride` over `extent` (shared with `Pool2DShape`).
    static func outputSize(_ extent: Int, window: Int, stride: Int) -> Int {
        extent >= window ? (extent - window) / stride + 1 : 0
    }

    public var inputCount: Int { batch * height * width * inChannels }
    public var outputCount: Int { batch * outHeight * outWidth * outChannels }
    public var kernelCount: Int { kernelHeight * kernelWidth * inChannels * outChannels }

    /// The GEMM's inner dimension: one im2col row, KH·KW·C.
    var patchCount: Int { kernelHeight * kernelWidth * inChannels }

    /// Floats of scratch the conv kernels need (packed panels per worker) on any kernel variant; callers
    /// pass a buffer at least this big. It does not grow with the batch.
    public var workspaceCount: Int { ConvPlan.workspaceCount(self) }
}

/// The geometry of one 2-D max pooling (valid padding, like Keras MaxPooling2D's default), NHWC.
public struct Pool2DShape: Sendable, Equatable {
    public var batch: Int
    public var height: Int
    public var width: Int
    public var channels: Int
    public var poolHeight: Int
    public var poolWidth: Int
    public var strideY: Int
    public var strideX: Int

    /// `stride` defaults to `poolSize` (non-overlapping windows).
    public init(batch: Int, height: Int, width: Int, channels: Int, poolSize: Int = 2, stride: Int? = nil) {
        self.batch = batch
        self.height = height
        self.width = width
        self.channels = channels
        self.poolHeight = poolSize
        self.poolWidth = poolSize
        self.strideY = stride ?? poolSize
        self.strideX = stride ?? poolSize
    }

    /// The output length of a pooling along one axis: the one shape rule the layers also use.
    public static func outputLength(input: Int, window: Int, stride: Int) -> Int {
        Conv2DShape.outputSize(input, window: window, stride: stride)
    }

    /// 0 when the pool is larger than the input.
    public var outHeight: Int { Conv2DShape.outputSize(height, window: poolHeight, stride: strideY) }
    public var outWidth: Int { Conv2DShape.outputSize(width, window: poolWidth, stride: strideX) }
    public var inputCount: Int { batch * height * width * channels }
    public var outputCount: Int { batch * outHeight * outWidth * channels }
}
