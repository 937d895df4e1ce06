// Evaluating a classifier on a labelled set: accuracy, mean loss and the confusion matrix, batch by batch
// (streamed: memory depends on the batch, not on the set).

import Foundation

/// Where an epoch or an evaluation stands after a batch, for a progress line.
public struct BatchProgress: Sendable {
    /// Batches done so far (1-based) and in total.
    public let step: Int
    public let steps: Int
    /// Means over the samples seen so far in this pass.
    public let accuracy: Double
    public let loss: Double

    public init(step: Int, steps: Int, accuracy: Double, loss: Double) {
        self.step = step
        self.steps = steps
        self.accuracy = accuracy
        self.loss = loss
    }
}

/// Accuracy, mean loss and confusion matrix of a model on a labelled set.
public struct Evaluation: Sendable {
    public let accuracy: Double
    public let loss: Double
    public let confusion: ConfusionMatrix
    public let seconds: Double

    public init(accuracy: Double, loss: Double, confusion: ConfusionMatrix, seconds: Double) {
        self.accuracy = accuracy
        self.loss = loss
        self.confusion = confusion
        self.seconds = seconds
    }

    /// Samples evaluated.
    public var count: Int { confusion.total }

    /// Inference over every sample of `source`, in order, `batchSize` at a time: the mean softmax
    /// cross-entropy (a mean over samples, whatever the batching; with `loss`'s label smoothing and q) and the
    /// confusion matrix, of the model's probabilities or, with `tta`, of their test-time-augmented mean.
    public static func of(
        _ model: Sequential, on source: BatchSource, classCount: Int, batchSize: Int, loss options: CrossEntropyOptions = .none,
        tta: TestTimeAugmentation = .none, onBatch: (BatchProgress) -> Void = { _ in }
    ) -> Evaluation {
        let start = Date()
        var loss = RunningMean()
        var confusion = ConfusionMatrix(classCount: classCount)
        let steps = source.batchCount(batchSize: batchSize)
        var step = 0
        for batch in source.evaluationBatches(batchSize: batchSize) {
            step += 1
            if !batch.labels.isEmpty {
                let (batchLoss, probabilities): (Double, Tensor)
                if tta == .none {
                    let result = model.evaluate(images: batch.inputs, labels: batch.labels, loss: options)
                    (batchLoss, probabilities) = (Double(result.loss), result.probabilities)
                } else {
                    probabilities = tta.probabilities(of: model, batch.inputs)
                    batchLoss = crossEntropy(probabilities: probabilities, labels: batch.labels, options: options)
                }
                for (predicted, truth) in zip(probabilities.argmaxAlongLastAxis(), batch.labels) {
                    confusion.add(trueClass: Int(truth), predicted: predicted)
                }
                loss.add(batchLoss, count: batch.labels.count)
            }
            onBatch(BatchProgress(step: step, steps: steps, accuracy: confusion.accuracy, loss: loss.mean))
        }
        return Evaluation(
            accuracy: confusion.accuracy, loss: loss.mean, confusion: confusion, seconds: Date().timeIntervalSince(start))
    }
}

extension Evaluation {
    /// Evaluates `model` on image files, streamed from disk and preprocessed as `preprocessing` says; also
    /// returns the files that could not be used (`warn` gets one line for each as it is met).
    public static func of(
        _ model: Sequential, files: [LabeledFile], preprocessing: Preprocessing, classCount: Int, batchSize: Int,
        tta: TestTimeAugmentation = .none, warn: @escaping @Sendable (String) -> Void,
        onBatch: (BatchProgress) -> Void = { _ in }
    ) -> (evaluation: Evaluation, skipped: [SkippedFile]) {
        let source = ImageFileSource(files: files, loader: ImageLoader(preprocessing: preprocessing, warn: warn))
        let evaluation = of(model, on: source, classCount: classCount, batchSize: batchSize, tta: tta, onBatch: onBatch)
        return (evaluation, source.skippedFiles)
    }
}
