// depthwiseConv2d: one kxk filter per channel (groups = C, multiplier 1) with TF padding, and its VJP.
//
// Legend: N batch, H/W input size, C channels, KH/KW kernel size. Input NHWC [N, H, W, C], kernel
// [KH, KW, C, 1] (Keras' DepthwiseConv2D layout), output NHWC [N, OH, OW, C].

import EmotionKernels

/// Depthwise convolution of `input` [N, H, W, C] with `kernel` [KH, KW, C, 1]. `padding` is TensorFlow's
/// (`.same`: output = ceil(input / stride), the odd padding pixel at the bottom/right).
public func depthwiseConv2d(
    _ input: Variable, kernel: Variable, strides: (Int, Int) = (1, 1), padding: Padding = .valid
) -> Variable {
    let x = input.value, w = kernel.value
    let shape = depthwiseShape(x, w, strides: strides, padding: padding)
    let y = depthwiseConv2dValue(x, kernel: w, shape: shape, epilogue: nil)
    return Variable.result(y, of: [input, kernel]) { dy, needs in
        var dx: Tensor?
        var dw: Tensor?
        dy.withPointer { dyp in
            if needs[0] {
                var gradient = Tensor(uninitializedShape: x.shape)
                w.withPointer { wp in
                    gradient.withMutablePointer { dxp in
                        Kernels.depthwiseConv2dBackwardInput(shape, outputGradient: dyp, kernel: wp, inputGradient: dxp)
                    }
                }
                dx = gradient
            }
            if needs[1] {
                var gradient = Tensor(uninitializedShape: w.shape)
                x.withPointer { xp in
                    gradient.withMutablePointer { dwp in
                        Kernels.depthwiseConv2dBackwardKernel(shape, input: xp, outputGradient: dyp, kernelGradient: dwp)
                    }
                }
                dw = gradient
            }
        }
        return [dx, dw]
    }
}

/// The checked geometry of a depthwise convolution of x [N, H, W, C] with w [KH, KW, C, 1].
func depthwiseShape(_ x: Tensor, _ w: Tensor, strides: (Int, Int), padding: Padding) -> Conv2DShape {
    precondition(x.rank == 4 && w.rank == 4 && w.shape[2] == x.shape[3] && w.shape[3] == 1,
                 "depthwiseConv2d: input \(x.shape) and kernel \(w.shape) do not match (NHWC, [KH, KW, C, 1])")
    let shape = Conv2DShape(
        batch: x.shape[0], height: x.shape[1], width: x.shape[2], inChannels: x.shape[3], outChannels: x.shape[3],
        kernelHeight: w.shape[0], kernelWidth: w.shape[1], strideY: strides.0, strideX: strides.1, padding: padding)
    precondition(shape.outHeight > 0 && shape.outWidth > 0,
                 "depthwiseConv2d: kernel \(w.shape) larger than input \(x.shape)")
    return shape
}

/// The forward value of a depthwise convolution, with an optional per-channel epilogue (see the kernel).
func depthwiseConv2dValue(
    _ x: Tensor, kernel w: Tensor, shape: Conv2DShape, epilogue: ChannelAffineActivation?
) -> Tensor {
    var y = Tensor(uninitializedShape: [shape.batch, shape.outHeight, shape.outWidth, shape.inChannels])
    x.withPointer { xp in
        w.withPointer { wp in
            y.withMutablePointer { yp in
                Kernels.depthwiseConv2dForward(shape, input: xp, kernel: wp, epilogue: epilogue, output: yp)
            }
        }
    }
    return y
}
