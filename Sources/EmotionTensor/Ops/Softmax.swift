// softmax over the last axis and its VJP: dx = y ⊙ (dy − Σ_row(dy ⊙ y)).
//
// Legend: R rows (all leading dimensions), K classes (the last dimension).

import EmotionKernels

/// Numerically stable softmax over the last axis. For training, prefer `softmaxCrossEntropy`, which fuses
/// the loss and has a simpler, more accurate gradient.
public func softmax(_ logits: Variable) -> Variable {
    let z = logits.value
    precondition(z.rank >= 1 && z.shape.last! > 0, "softmax: logits \(z.shape) have no classes")
    let classes = z.shape.last!
    let rows = z.count / classes
    var y = Tensor(uninitializedShape: z.shape)
    z.withPointer { zp in y.withMutablePointer { yp in Kernels.softmax(zp, rows: rows, classes: classes, yp) } }
    return Variable.result(y, of: [logits]) { [y] dy, _ in
        // Row sums of dy ⊙ y and their broadcast subtraction are two GEMMs with a ones vector.
        let ones = Tensor(shape: [classes], repeating: 1)
        let product = multiplied(dy, y)
        var rowSums = Tensor(uninitializedShape: [rows])
        var centered = dy
        product.withPointer { pp in
            ones.withPointer { op in
                rowSums.withMutablePointer { sp in
                    Kernels.sgemm(transA: false, transB: false, m: rows, n: 1, k: classes, alpha: 1,
                                  a: pp, lda: classes, b: op, ldb: 1, beta: 0, c: sp, ldc: 1)
                }
                rowSums.withPointer { sp in
                    centered.withMutablePointer { cp in
                        Kernels.sgemm(transA: false, transB: false, m: rows, n: classes, k: 1, alpha: -1,
                                      a: sp, lda: 1, b: op, ldb: classes, beta: 1, c: cp, ldc: classes)
                    }
                }
            }
        }
        return [multiplied(centered, y)]
    }
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
