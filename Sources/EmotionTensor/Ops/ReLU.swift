// relu: max(x, 0) and its VJP (which keeps only the output, like tinygrad's Relu).

import EmotionKernels

/// Elementwise max(x, 0).
public func relu(_ x: Variable) -> Variable {
    let n = x.value.count
    var y = Tensor(uninitializedShape: x.shape)
    x.value.withPointer { xp in y.withMutablePointer { yp in Kernels.relu(xp, yp, count: n) } }
    return Variable.result(y, of: [x]) { [y] dy, _ in [reluBackward(dy, output: y)] }
}

/// dx = dy where the ReLU output is positive, else 0; shared by relu and the fused conv/dense activations.
func reluBackward(_ dy: Tensor, output y: Tensor) -> Tensor {
    let n = y.count
    var dx = Tensor(uninitializedShape: y.shape)
    dy.withPointer { dyp in
        y.withPointer { yp in
            dx.withMutablePointer { dxp in
                Kernels.reluBackward(outputGradient: dyp, output: yp, inputGradient: dxp, count: n)
            }
        }
    }
    return dx
}
