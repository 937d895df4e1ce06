// softmaxCrossEntropy: softmax + categorical cross-entropy fused (mean over the batch), and its VJP
// dlogits = (softmax − onehot) / rows.
//
// Legend: R rows (batch), K classes; logits [R, K], labels R class indices.

import EmotionKernels

/// The mean cross-entropy of `softmax(logits)` against integer `labels` (one per row, in 0..<K), computed
/// as logsumexp − logit[label] so it stays finite for large logits. Also returns the probabilities, which
/// callers use for accuracy. The loss is a rank-0 variable.
public func softmaxCrossEntropy(logits: Variable, labels: [Int32]) -> (loss: Variable, probabilities: Tensor) {
    let z = logits.value
    precondition(z.rank == 2, "softmaxCrossEntropy: logits \(z.shape) are not [rows, classes]")
    let (rows, classes) = (z.shape[0], z.shape[1])
    precondition(labels.count == rows, "softmaxCrossEntropy: \(labels.count) labels for \(rows) rows")
    precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classes },
                 "softmaxCrossEntropy: a label is outside 0..<\(classes)")
    var probabilities = Tensor(uninitializedShape: z.shape)
    let loss = z.withPointer { zp in
        labels.withUnsafeBufferPointer { lp in
            probabilities.withMutablePointer { pp in
                Kernels.softmaxCrossEntropyForward(logits: zp, labels: lp.baseAddress!, rows: rows, classes: classes,
                                                   probabilities: pp)
            }
        }
    }
    let result = Variable.result(Tensor(scalar: loss), of: [logits]) { [probabilities] dy, _ in
        var dz = Tensor(uninitializedShape: [rows, classes])
        probabilities.withPointer { pp in
            labels.withUnsafeBufferPointer { lp in
                dz.withMutablePointer { dzp in
                    Kernels.softmaxCrossEntropyBackward(probabilities: pp, labels: lp.baseAddress!, rows: rows,
                                                        classes: classes, scale: dy.scalar / Float(rows),
                                                        logitsGradient: dzp)
                }
            }
        }
        return [dz]
    }
    return (result, probabilities)
}
