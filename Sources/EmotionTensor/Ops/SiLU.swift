// silu: x · sigmoid(x) (swish, EfficientNetV2's activation) and its VJP, which keeps the input.

import EmotionKernels

/// Elementwise x · sigmoid(x).
public func silu(_ x: Variable) -> Variable {
    let n = x.value.count
    var y = Tensor(uninitializedShape: x.shape)
    x.value.withPointer { xp in y.withMutablePointer { yp in Kernels.silu(xp, yp, count: n) } }
    return Variable.result(y, of: [x]) { [input = x.value] dy, _ in
        var dx = Tensor(uninitializedShape: input.shape)
        dy.withPointer { dyp in
            input.withPointer { xp in
                dx.withMutablePointer { dxp in
                    Kernels.siluBackward(outputGradient: dyp, input: xp, inputGradient: dxp, count: n)
                }
            }
        }
        return [dx]
    }
}
