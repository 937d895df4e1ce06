// The fit loop: seeded shuffles every epoch, mini-batches (the last partial one kept), Adam steps with
// per-step dropout seeds, the running loss and accuracy Keras reports, and evaluation with a confusion
// matrix.

import Foundation
import EmotionNN

/// Where an epoch or an evaluation stands after a batch, for a progress line.
public struct BatchProgress: Sendable {
    /// Batches done so far (1-based) and in total.
    public let step: Int
    public let steps: Int
    /// Means over the samples seen so far in this pass.
    public let accuracy: Double
    public let loss: Double
}

/// What a training epoch reported: means over all its samples, as Keras logs them.
public struct EpochMetrics: Sendable {
    public let accuracy: Double
    public let loss: Double
    public let seconds: Double
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

    public var count: Int { confusion.total }
}

/// Trains a `Sequential` classifier with Adam on in-memory images. Everything random is derived from
/// `seed`: the shuffle of epoch `e` and the dropout masks of step `s` each get their own sub-stream.
public final class Trainer {
    public let model: Sequential
    public let batchSize: Int
    public let seed: UInt64
    private let optimizer: Adam
    private var stepsTaken: UInt64 = 0

    public init(model: Sequential, learningRate: Double, batchSize: Int, seed: UInt64) {
        precondition(batchSize > 0, "the batch size must be positive")
        self.model = model
        self.batchSize = batchSize
        self.seed = seed
        optimizer = Adam(learningRate: Float(learningRate))
    }

    /// Number of batches a pass over `count` samples takes.
    public func steps(for count: Int) -> Int {
        (count + batchSize - 1) / batchSize
    }

    /// One pass over `images` [views·n, h, w, c] / `labels` [n] in an order shuffled for `epoch` (1-based).
    /// With several views (`Augmentation.views`: rows v·n + i hold view v of sample i), each sample is
    /// shown in one view drawn at random for the epoch.
    public func trainEpoch(
        _ epoch: Int, images: Tensor, labels: [Int32], views: Int = 1, onBatch: (BatchProgress) -> Void = { _ in }
    ) -> EpochMetrics {
        precondition(views >= 1 && images.shape.first == views * labels.count, "\(views) view(s) of each labelled image")
        let start = Date()
        let order = Self.epochRows(epoch, seed: seed, count: labels.count, views: views)
        var loss = RunningMean()
        var accuracy = RunningMean()
        let steps = steps(for: labels.count)
        for step in 0..<steps {
            let batch = Array(order[(step * batchSize)..<min(labels.count, (step + 1) * batchSize)])
            stepsTaken += 1
            let result = model.trainStep(
                images: Self.gather(images, rows: batch), labels: batch.map { labels[$0 % labels.count] }, optimizer: optimizer,
                dropoutSeed: SeededGenerator.derivedSeed(seed ^ Self.dropoutStream, index: stepsTaken))
            loss.add(Double(result.loss), count: batch.count)
            accuracy.add(Double(result.correct) / Double(batch.count), count: batch.count)
            onBatch(BatchProgress(step: step + 1, steps: steps, accuracy: accuracy.mean, loss: loss.mean))
        }
        return EpochMetrics(accuracy: accuracy.mean, loss: loss.mean, seconds: Date().timeIntervalSince(start))
    }

    /// The rows epoch `epoch` trains on, in order: the `count` samples shuffled, each in one of its `views`
    /// views (row v·count + i) drawn at random.
    static func epochRows(_ epoch: Int, seed: UInt64, count: Int, views: Int) -> [Int] {
        var order = Array(0..<count)
        var generator = SeededGenerator(seed: SeededGenerator.derivedSeed(seed ^ shuffleStream, index: UInt64(epoch)))
        order.shuffle(using: &generator)
        guard views > 1 else { return order }
        var viewGenerator = SeededGenerator(seed: SeededGenerator.derivedSeed(seed ^ viewStream, index: UInt64(epoch)))
        return order.map { $0 + count * Int.random(in: 0..<views, using: &viewGenerator) }
    }

    /// Inference over `images` in batches of `batchSize`, in order.
    public static func evaluate(
        _ model: Sequential, images: Tensor, labels: [Int32], classCount: Int, batchSize: Int,
        onBatch: (BatchProgress) -> Void = { _ in }
    ) -> Evaluation {
        precondition(images.shape.first == labels.count, "one label per image")
        let start = Date()
        var loss = RunningMean()
        var confusion = ConfusionMatrix(classCount: classCount)
        let steps = (labels.count + batchSize - 1) / batchSize
        for step in 0..<steps {
            let rows = Array((step * batchSize)..<min(labels.count, (step + 1) * batchSize))
            let batchLabels = rows.map { labels[$0] }
            let result = model.evaluate(images: gather(images, rows: rows), labels: batchLabels)
            for (predicted, truth) in zip(result.probabilities.argmaxAlongLastAxis(), batchLabels) {
                confusion.add(trueClass: Int(truth), predicted: predicted)
            }
            loss.add(Double(result.loss), count: rows.count)
            onBatch(BatchProgress(step: step + 1, steps: steps, accuracy: confusion.accuracy, loss: loss.mean))
        }
        return Evaluation(
            accuracy: confusion.accuracy, loss: loss.mean, confusion: confusion,
            seconds: Date().timeIntervalSince(start))
    }

    // Distinct sub-streams of the seed for shuffles and dropout (the weights use the seed itself).
    private static let shuffleStream: UInt64 = 0x5348_5546_464C_4521
    private static let dropoutStream: UInt64 = 0x4452_4F50_4F55_5421
    private static let viewStream: UInt64 = 0x5649_4557_5321_2121

    /// The rows `rows` of a [n, …] tensor, in that order.
    static func gather(_ tensor: Tensor, rows: [Int]) -> Tensor {
        let rowSize = tensor.shape.dropFirst().reduce(1, *)
        var batch = Tensor(uninitializedShape: [rows.count] + tensor.shape.dropFirst())
        tensor.withUnsafeBufferPointer { source in
            batch.withUnsafeMutableBufferPointer { destination in
                for (index, row) in rows.enumerated() {
                    (destination.baseAddress! + index * rowSize)
                        .update(from: source.baseAddress! + row * rowSize, count: rowSize)
                }
            }
        }
        return batch
    }
}
