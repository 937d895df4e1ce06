// softmaxCrossEntropy: softmax + categorical cross-entropy fused (mean over the batch), with Keras's class
// weights, sample weights and label smoothing, and its VJP dlogits = (softmax − target)·w[label]·s[row] / rows;
// or the generalised cross-entropy, robust to wrong labels, in its place.
//
// Legend: R rows (batch), K classes; logits [R, K], labels R class indices.

import EmotionKernels

/// The options of the classification loss, as Keras spells them: `Model.fit(class_weight=)` and
/// `CategoricalCrossentropy(label_smoothing=)`; and the generalised cross-entropy's q.
public struct CrossEntropyOptions: Codable, Sendable, Equatable {
    /// One weight per class, or nil for 1 each. A sample's loss counts w[label] times, and a batch's loss is
    /// Σ w[label]·loss / R: Keras's "sum_over_batch_size" divides by the batch size, not by the weights' sum
    /// (PyTorch's `CrossEntropyLoss(weight=)` divides by the sum).
    public var classWeights: [Float]?
    /// ε in [0, 1): every row's target becomes (1 − ε)·onehot(label) + ε/K.
    public var labelSmoothing: Float
    /// q in [0, 1] of the generalised cross-entropy (Zhang & Sabuncu 2018), Σ_j t_j·(1 − p_j^q)/q for the
    /// target t: its gradient is the cross-entropy's times p_label^q (without smoothing), so samples the model
    /// firmly disagrees with, often wrong labels, pull less. 0 is the cross-entropy; 1 gives 1 − p, half the
    /// mean absolute error of p and the one-hot target.
    public var gceQ: Float

    public init(classWeights: [Float]? = nil, labelSmoothing: Float = 0, gceQ: Float = 0) {
        precondition(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing \(labelSmoothing) is outside [0, 1)")
        precondition(gceQ >= 0 && gceQ <= 1, "the generalised cross-entropy's q \(gceQ) is outside [0, 1]")
        precondition(classWeights?.allSatisfy { $0.isFinite && $0 >= 0 } ?? true,
                     "class weights must be finite and not negative: \(classWeights ?? [])")
        self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing
        self.gceQ = gceQ
    }

    /// The plain mean cross-entropy.
    public static let none = CrossEntropyOptions()

    /// Keras's and scikit-learn's "balanced" weights from the number of training samples of each class:
    /// n / (K · count), so every class weighs n / K in total. A class with no samples gets 1 (it never
    /// weighs anything, as a class missing from Keras's `class_weight` dict).
    public static func balancedClassWeights(counts: [Int]) -> [Float] {
        precondition(counts.allSatisfy { $0 >= 0 }, "negative class counts \(counts)")
        let total = Double(counts.reduce(0, +))
        return counts.map { $0 > 0 ? Float(total / (Double(counts.count) * Double($0))) : 1 }
    }
}

/// The cross-entropy of `softmax(logits)` against integer `labels` (one per row, in 0..<K), averaged over
/// the rows and computed as logsumexp − logit so it stays finite for large logits; `options` adds class
/// weights and label smoothing. Also returns the probabilities, which callers use for accuracy. The loss is
/// a rank-0 variable. `sampleWeights` (one per row, Keras's `sample_weight`) multiply each row's loss on top
/// of its class weight; the mean still divides by the rows.
public func softmaxCrossEntropy(
    logits: Variable, labels: [Int32], options: CrossEntropyOptions = .none, sampleWeights: [Float]? = nil
) -> (loss: Variable, probabilities: Tensor) {
    let z = logits.value
    precondition(z.rank == 2, "softmaxCrossEntropy: logits \(z.shape) are not [rows, classes]")
    let (rows, classes) = (z.shape[0], z.shape[1])
    precondition(labels.count == rows, "softmaxCrossEntropy: \(labels.count) labels for \(rows) rows")
    precondition(labels.allSatisfy { $0 >= 0 && Int($0) < classes },
                 "softmaxCrossEntropy: a label is outside 0..<\(classes)")
    precondition(options.classWeights.map { $0.count == classes } ?? true,
                 "softmaxCrossEntropy: \(options.classWeights?.count ?? 0) class weights for \(classes) classes")
    precondition(sampleWeights.map { $0.count == rows } ?? true,
                 "softmaxCrossEntropy: \(sampleWeights?.count ?? 0) sample weights for \(rows) rows")
    let (weights, smoothing, q) = (options.classWeights, options.labelSmoothing, options.gceQ)
    var probabilities = Tensor(uninitializedShape: z.shape)
    let loss = z.withPointer { zp in
        labels.withUnsafeBufferPointer { lp in
            probabilities.withMutablePointer { pp in
                withOptionalPointer(weights) { wp in
                    withOptionalPointer(sampleWeights) { sp in
                        Kernels.softmaxCrossEntropyForward(
                            logits: zp, labels: lp.baseAddress!, rows: rows, classes: classes, probabilities: pp,
                            classWeights: wp, sampleWeights: sp, labelSmoothing: smoothing, gceQ: q)
                    }
                }
            }
        }
    }
    let result = Variable.result(Tensor(scalar: loss), of: [logits]) { [probabilities] dy, _ in
        var dz = Tensor(uninitializedShape: [rows, classes])
        probabilities.withPointer { pp in
            labels.withUnsafeBufferPointer { lp in
                dz.withMutablePointer { dzp in
                    withOptionalPointer(weights) { wp in
                        withOptionalPointer(sampleWeights) { sp in
                            Kernels.softmaxCrossEntropyBackward(
                                probabilities: pp, labels: lp.baseAddress!, rows: rows, classes: classes,
                                scale: dy.scalar / Float(rows), logitsGradient: dzp, classWeights: wp,
                                sampleWeights: sp, labelSmoothing: smoothing, gceQ: q)
                        }
                    }
                }
            }
        }
        return [dz]
    }
    return (result, probabilities)
}

/// `body` with a pointer to `values`' elements, or nil when there are none.
private func withOptionalPointer<Result>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> Result) -> Result {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}
