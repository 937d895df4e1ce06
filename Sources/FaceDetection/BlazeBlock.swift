// BlazeBlock: BlazeFace's residual unit. A depthwise 3x3 convolution (stride 1 or 2) and a 1x1 convolution on
// one path; on the other the input itself, max-pooled 2x2/2 when the stride is 2 and zero-padded at the end of
// the channel axis when the block widens (TFLite's PAD op); ReLU of the sum.
//
// Legend: N batch, H/W size, Cin/Cout channels in/out. NHWC throughout. Inference only (no tape).

import EmotionNN
import EmotionTensor

final class BlazeBlock {
    let inChannels: Int
    let outChannels: Int
    let stride: Int
    /// No bias here: the depthwise bias is folded into `pointwise`'s (see `BlazeFace.foldDepthwiseBiases`).
    let depthwise: DepthwiseConv2D
    let pointwise: Conv2D

    init(inChannels: Int, outChannels: Int, stride: Int, name: String) {
        precondition(outChannels >= inChannels && (stride == 1 || stride == 2), "BlazeBlock: unsupported geometry")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.stride = stride
        depthwise = DepthwiseConv2D(kernelSize: 3, strides: stride, padding: .same, name: "\(name).depthwise")
        pointwise = Conv2D(filters: outChannels, kernelSize: 1, name: "\(name).pointwise")
    }

    var parameters: [Parameter] { depthwise.parameters + pointwise.parameters }

    /// Builds the layers for an input of [H, W, Cin]; returns the output shape [H/stride, W/stride, Cout].
    func build(inputShape: [Int], generator: inout SeededGenerator) -> [Int] {
        depthwise.build(inputShape: inputShape, generator: &generator)
        let middle = depthwise.outputShape(forInputShape: inputShape)
        pointwise.build(inputShape: middle, generator: &generator)
        return pointwise.outputShape(forInputShape: middle)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let branch = pointwise(depthwise(Variable(x), mode: .inference), mode: .inference).value
        let skip = stride == 2 ? maxPool2d(Variable(x), poolSize: 2).value : x
        return addChannelPaddedReLU(branch, skip)
    }
}

/// max(0, branch + skip), `skip`'s channels zero-padded at the end up to `branch`'s: the tail of a BlazeBlock
/// in one pass. branch [N, H, W, Cout], skip [N, H, W, Cin], Cin ≤ Cout.
func addChannelPaddedReLU(_ branch: Tensor, _ skip: Tensor) -> Tensor {
    precondition(branch.rank == 4 && skip.rank == 4 && Array(branch.shape.prefix(3)) == Array(skip.shape.prefix(3))
                 && skip.shape[3] <= branch.shape[3], "addChannelPaddedReLU: \(branch.shape) and \(skip.shape)")
    let pixels = branch.shape[0] * branch.shape[1] * branch.shape[2]
    let outChannels = branch.shape[3], inChannels = skip.shape[3]
    var output = Tensor(uninitializedShape: branch.shape)
    branch.withUnsafeBufferPointer { branch in
        skip.withUnsafeBufferPointer { skip in
            output.withUnsafeMutableBufferPointer { output in
                let b = branch.baseAddress!, s = skip.baseAddress!, o = output.baseAddress!
                for pixel in 0..<pixels {
                    let bp = b + pixel * outChannels, sp = s + pixel * inChannels, op = o + pixel * outChannels
                    for c in 0..<inChannels { op[c] = max(bp[c] + sp[c], 0) }
                    for c in inChannels..<outChannels { op[c] = max(bp[c], 0) }
                }
            }
        }
    }
    return output
}
