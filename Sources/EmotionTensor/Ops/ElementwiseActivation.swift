// The shared shape of the elementwise activations whose gradient needs only their output (relu, relu6,
// sigmoid): forward through one kernel, keep y, and in the pullback run the matching backward kernel.

import EmotionKernels

/// A kernel y = f(x) over `count` floats.
typealias ActivationKernel = (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
/// A kernel dx = dy · f'(x), written in terms of the output y: (dy, y, dx, count).
typealias ActivationGradientKernel = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

/// Applies `forward` elementwise and records a pullback that keeps only the output.
func activation(
    _ x: Variable, forward: ActivationKernel, backward: @escaping ActivationGradientKernel
) -> Variable {
    let n = x.value.count
    var y = Tensor(uninitializedShape: x.shape)
    x.value.withPointer { xp in y.withMutablePointer { yp in forward(xp, yp, n) } }
    return Variable.result(y, of: [x]) { [y] dy, _ in [activationGradient(dy, output: y, backward)] }
}

/// dx from dy and the activation's output y through `backward`.
func activationGradient(_ dy: Tensor, output y: Tensor, _ backward: ActivationGradientKernel) -> Tensor {
    let n = y.count
    var dx = Tensor(uninitializedShape: y.shape)
    dy.withPointer { dyp in y.withPointer { yp in dx.withMutablePointer { dxp in backward(dyp, yp, dxp, n) } } }
    return dx
}
