// dropout: inverted dropout (kept values scaled by 1/(1−rate) so inference needs no rescaling) and its VJP.

import EmotionKernels

/// Zeroes each element with probability `rate` and scales the rest by 1/(1−rate), with a mask that is a
/// pure function of (`seed`, element index). With `seed == nil` (inference) or `rate == 0` it is the identity.
public func dropout(_ input: Variable, rate: Float, seed: UInt64?) -> Variable {
    precondition(rate >= 0 && rate < 1, "dropout: rate \(rate) is not in [0, 1)")
    guard let seed, rate > 0 else { return input }
    let n = input.value.count
    var mask = Tensor(uninitializedShape: input.shape)
    mask.withMutablePointer { mp in Kernels.fillDropoutMask(mp, count: n, rate: rate, seed: seed) }
    let y = multiplied(input.value, mask)
    return Variable.result(y, of: [input]) { [mask] dy, _ in [multiplied(dy, mask)] }
}

/// a ⊙ b for tensors of equal count, with a's shape.
func multiplied(_ a: Tensor, _ b: Tensor) -> Tensor {
    let n = a.count
    var result = Tensor(uninitializedShape: a.shape)
    a.withPointer { ap in
        b.withPointer { bp in result.withMutablePointer { rp in Kernels.multiply(ap, bp, rp, count: n) } }
    }
    return result
}
