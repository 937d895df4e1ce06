// dropout: inverted dropout (kept values scaled by 1/(1−rate) so inference needs no rescaling) and its VJP.

import EmotionKernels

/// Zeroes each element with probability `rate` and scales the rest by 1/(1−rate), with a mask that is a
/// pure function of (`seed`, element index). With `seed == nil` (inference) or `rate == 0` it is the identity.
public func dropout(_ input: Variable, rate: Float, seed: UInt64?) -> Variable {
    precondition(rate >= 0 && rate < 1, "dropout: rate \(rate) is not in [0, 1)")
    guard let seed, rate > 0 else { return input }
    // The mask is recomputed from (seed, index) in the backward rather than stored: two passes over the
    // values instead of three each way.
    func masked(_ x: Tensor) -> Tensor {
        var y = Tensor(uninitializedShape: x.shape)
        x.withPointer { xp in
            y.withMutablePointer { yp in Kernels.applyDropout(xp, into: yp, count: x.count, rate: rate, seed: seed) }
        }
        return y
    }
    return Variable.result(masked(input.value), of: [input]) { dy, _ in [masked(dy)] }
}
