// globalAveragePool: the mean over H and W per image and channel, [N, H, W, C] → [N, C], and its VJP.

import EmotionKernels

/// [N, H, W, C] → [N, C]: each channel's mean over the image.
public func globalAveragePool(_ input: Variable) -> Variable {
    let x = input.value
    precondition(x.rank == 4, "globalAveragePool: input \(x.shape) is not [N, H, W, C]")
    let (batch, pixels, channels) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
    var y = Tensor(uninitializedShape: [batch, channels])
    x.withPointer { xp in
        y.withMutablePointer { yp in
            Kernels.globalAveragePoolForward(xp, batch: batch, pixels: pixels, channels: channels, output: yp)
        }
    }
    return Variable.result(y, of: [input]) { [shape = x.shape] dy, _ in
        var dx = Tensor(uninitializedShape: shape)
        dy.withPointer { dyp in
            dx.withMutablePointer { dxp in
                Kernels.globalAveragePoolBackward(outputGradient: dyp, batch: batch, pixels: pixels,
                                                  channels: channels, inputGradient: dxp)
            }
        }
        return [dx]
    }
}
