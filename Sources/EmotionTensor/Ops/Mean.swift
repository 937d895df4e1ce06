// mean: the mean of all elements (rank-0 result) and its VJP (broadcast of dy / count).

import EmotionKernels

/// The mean of all elements of `input` (which must not be empty), as a rank-0 variable.
public func mean(_ input: Variable) -> Variable {
    let n = input.value.count
    precondition(n > 0, "mean: empty input \(input.shape)")
    let total = input.value.withPointer { Kernels.sum($0, count: n) }
    return Variable.result(Tensor(scalar: total / Float(n)), of: [input]) { [shape = input.shape] dy, _ in
        [Tensor(shape: shape, repeating: dy.scalar / Float(n))]
    }
}
