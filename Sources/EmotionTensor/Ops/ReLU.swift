// relu: max(x, 0) and its VJP (which keeps only the output, like tinygrad's Relu).

import EmotionKernels

/// Elementwise max(x, 0).
public func relu(_ x: Variable) -> Variable {
    activation(x, forward: Kernels.relu(_:_:count:),
               backward: Kernels.reluBackward(outputGradient:output:inputGradient:count:))
}

/// dx = dy where the ReLU output is positive, else 0; shared by relu and the fused conv/dense activations.
func reluBackward(_ dy: Tensor, output y: Tensor) -> Tensor {
    activationGradient(dy, output: y, Kernels.reluBackward(outputGradient:output:inputGradient:count:))
}
