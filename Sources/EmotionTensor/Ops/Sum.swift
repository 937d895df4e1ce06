// sum: the sum of all elements (rank-0 result, accumulated in Double blocks) and its VJP (broadcast).

import EmotionKernels

/// Σ of all elements of `input`, as a rank-0 variable.
public func sum(_ input: Variable) -> Variable {
    let n = input.value.count
    let total = input.value.withPointer { Kernels.sum($0, count: n) }
    return Variable.result(Tensor(scalar: total), of: [input]) { [shape = input.shape] dy, _ in
        [Tensor(shape: shape, repeating: dy.scalar)]
    }
}
