// relu6: min(max(x, 0), 6) (MobileNet/EfficientNet-Lite) and its VJP, which keeps only the output.

import EmotionKernels

/// Elementwise min(max(x, 0), 6).
public func relu6(_ x: Variable) -> Variable {
    let n = x.value.count
    var y = Tensor(uninitializedShape: x.shape)
    x.value.withPointer { xp in y.withMutablePointer { yp in Kernels.relu6(xp, yp, count: n) } }
    return Variable.result(y, of: [x]) { [y] dy, _ in [relu6Backward(dy, output: y)] }
}

/// dx = dy where 0 < y < 6, else 0; shared with the ReLU6 fused into batch norm.
func relu6Backward(_ dy: Tensor, output y: Tensor) -> Tensor {
    let n = y.count
    var dx = Tensor(uninitializedShape: y.shape)
    dy.withPointer { dyp in
        y.withPointer { yp in
            dx.withMutablePointer { dxp in
                Kernels.relu6Backward(outputGradient: dyp, output: yp, inputGradient: dxp, count: n)
            }
        }
    }
    return dx
}
