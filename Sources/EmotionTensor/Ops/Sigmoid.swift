// sigmoid: 1 / (1 + e^−x) (the squeeze-and-excitation gate) and its VJP, which keeps the output.

import EmotionKernels

/// Elementwise 1 / (1 + e^−x).
public func sigmoid(_ x: Variable) -> Variable {
    let n = x.value.count
    var y = Tensor(uninitializedShape: x.shape)
    x.value.withPointer { xp in y.withMutablePointer { yp in Kernels.sigmoid(xp, yp, count: n) } }
    return Variable.result(y, of: [x]) { [y] dy, _ in
        var dx = Tensor(uninitializedShape: y.shape)
        dy.withPointer { dyp in
            y.withPointer { yp in
                dx.withMutablePointer { dxp in
                    Kernels.sigmoidBackward(outputGradient: dyp, output: yp, inputGradient: dxp, count: n)
                }
            }
        }
        return [dx]
    }
}
