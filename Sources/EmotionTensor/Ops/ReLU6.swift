// relu6: min(max(x, 0), 6) (MobileNet/EfficientNet-Lite) and its VJP, which keeps only the output.

import EmotionKernels

/// Elementwise min(max(x, 0), 6).
public func relu6(_ x: Variable) -> Variable {
    activation(x, forward: Kernels.relu6(_:_:count:),
               backward: Kernels.relu6Backward(outputGradient:output:inputGradient:count:))
}

/// dx = dy where 0 < y < 6, else 0; shared with the ReLU6 fused into batch norm.
func relu6Backward(_ dy: Tensor, output y: Tensor) -> Tensor {
    activationGradient(dy, output: y, Kernels.relu6Backward(outputGradient:output:inputGradient:count:))
}
