// relu6: min(max(x, 0), 6) (MobileNet/EfficientNet-Lite) and its VJP, which keeps only the output.

import EmotionKernels

/// Elementwise min(max(x, 0), 6); the gradient passes where 0 < y < 6 (the batch norm's fused ReLU6 applies
/// the same rule inside its backward kernels).
public func relu6(_ x: Variable) -> Variable {
    activation(x, forward: Kernels.relu6(_:_:count:),
               backward: Kernels.relu6Backward(outputGradient:output:inputGradient:count:))
}
