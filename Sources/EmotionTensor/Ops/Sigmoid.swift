// sigmoid: 1 / (1 + e^−x) (the squeeze-and-excitation gate) and its VJP, which keeps the output.

import EmotionKernels

/// Elementwise 1 / (1 + e^−x).
public func sigmoid(_ x: Variable) -> Variable {
    activation(x, forward: Kernels.sigmoid(_:_:count:),
               backward: Kernels.sigmoidBackward(outputGradient:output:inputGradient:count:))
}
