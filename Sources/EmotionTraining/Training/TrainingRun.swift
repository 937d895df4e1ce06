// TrainingRun: a whole training run as one object (Keras's `Model.fit`): the model, its training and
// validation data, the optimizer, the epochs, and the events observers receive. Progress lines, history,
// schedules, early stopping and checkpoints hang on those events instead of living in the commands.
//
// A run has one or more phases that continue one history: a Task 1 model trains in one; `finetune` trains
// the head on frozen-backbone features, then the top of the backbone (see TransferLearning). Everything
// random derives from the seed: phase p uses seed + p; the shuffle of epoch e and the dropout masks of step
// s each get their own sub-stream, so a run is the same whatever the thread timing or the data cache.

import Foundation

/// What a run's observers are told, in order: `trainingWillBegin`, then for each phase `phaseWillBegin`,
/// for each epoch `epochWillBegin`, for each batch `batchWillBegin` and `batchDidEnd`, then `epochDidEnd`
/// with the epoch's record, and finally `trainingDidEnd`. All are called on the thread running `fit()`.
public protocol TrainingObserver: AnyObject {
    func trainingWillBegin(_ run: TrainingRun)
    func phaseWillBegin(_ run: TrainingRun, phase: TrainingRun.Phase)
    func epochWillBegin(_ run: TrainingRun, epoch: Int)
    func batchWillBegin(_ run: TrainingRun, step: Int)
    func batchDidEnd(_ run: TrainingRun, progress: BatchProgress)
    func epochDidEnd(_ run: TrainingRun, record: EpochRecord)
    func trainingDidEnd(_ run: TrainingRun)
}

extension TrainingObserver {
    public func trainingWillBegin(_ run: TrainingRun) {}
    public func phaseWillBegin(_ run: TrainingRun, phase: TrainingRun.Phase) {}
    public func epochWillBegin(_ run: TrainingRun, epoch: Int) {}
    public func batchWillBegin(_ run: TrainingRun, step: Int) {}
    public func batchDidEnd(_ run: TrainingRun, progress: BatchProgress) {}
    public func epochDidEnd(_ run: TrainingRun, record: EpochRecord) {}
    public func trainingDidEnd(_ run: TrainingRun) {}
}

/// Why a run could not train.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// Not one of the training files could be decoded.
    case noUsableTrainingImages(count: Int)

    public var description: String {
        switch self {
        case .noUsableTrainingImages(let count):
            return "none of the \(count) training files could be decoded (see the warnings above)"
        }
    }
}

public final class TrainingRun {
    /// A stretch of epochs that trains one model view on one data source with one optimizer.
    public struct Phase {
        /// Shown when the phase begins (e.g. "Fine-tuning the top 6 of 18 backbone units").
        public let description: String
        /// The model the phase's steps run (a view that shares its layers with the model that is saved).
        public let model: Sequential
        public let training: BatchSource
        /// Evaluated after every epoch; nil to train without validation.
        public let validation: BatchSource?
        public let epochs: Int
        /// The Adam learning rate the phase starts with (a fresh optimizer per phase, as Keras recompiles).
        public let learningRate: Double
        /// Called when the phase begins, before its first step: e.g. unfreezes the units it trains.
        public let prepare: (() -> Void)?

        public init(
            description: String, model: Sequential, training: BatchSource, validation: BatchSource?, epochs: Int,
            learningRate: Double, prepare: (() -> Void)? = nil
        ) {
            precondition(epochs >= 0, "TrainingRun.Phase: negative epochs")
            self.description = description
            self.model = model
            self.training = training
            self.validation = validation
            self.epochs = epochs
            self.learningRate = learningRate
            self.prepare = prepare
        }
    }

    public let phases: [Phase]
    public let batchSize: Int
    public let seed: UInt64
    public let classCount: Int
    /// Told of every event, in this order.
    public var observers: [any TrainingObserver] = []
    /// The epochs done so far (Keras's `History`).
    public private(set) var history = History()
    /// The optimizer of the phase running (observers may change its learning rate).
    public private(set) var optimizer: Adam
    /// The phase running or last run, and the epoch (1-based, counted over all phases) in it.
    public private(set) var phaseIndex = 0
    public private(set) var epoch = 0
    /// Set by an observer to end training after the current epoch (Keras's `model.stop_training`).
    public var stopRequested = false
    /// The last validation, when the run has validation data: what the final "Test Accuracy" reports.
    public private(set) var lastValidation: Evaluation?

    public init(phases: [Phase], batchSize: Int, seed: UInt64, classCount: Int) {
        precondition(!phases.isEmpty, "TrainingRun: no phases")
        precondition(batchSize > 0, "TrainingRun: the batch size must be positive")
        self.phases = phases
        self.batchSize = batchSize
        self.seed = seed
        self.classCount = classCount
        optimizer = Adam(learningRate: Float(phases[0].learningRate))
    }

    /// Epochs over all phases.
    public var totalEpochs: Int { phases.reduce(0) { $0 + $1.epochs } }

    /// Batches per epoch of the running phase.
    public var stepsPerEpoch: Int { phases[phaseIndex].training.batchCount(batchSize: batchSize) }

    /// Trains every phase (or until an observer requests a stop) and returns the history. Throws when an
    /// epoch finds no usable training sample at all.
    @discardableResult
    public func fit() throws -> History {
        observers.forEach { $0.trainingWillBegin(self) }
        var firstEpoch = 1
        for (index, phase) in phases.enumerated() where !stopRequested {
            phaseIndex = index
            optimizer = Adam(learningRate: Float(phase.learningRate))
            var stepsTaken: UInt64 = 0
            phase.prepare?()
            observers.forEach { $0.phaseWillBegin(self, phase: phase) }
            for epoch in firstEpoch..<(firstEpoch + phase.epochs) where !stopRequested {
                self.epoch = epoch
                try runEpoch(phase, seed: seed &+ UInt64(index), stepsTaken: &stepsTaken)
            }
            firstEpoch += phase.epochs
        }
        observers.forEach { $0.trainingDidEnd(self) }
        return history
    }

    /// One epoch of `phase`: a shuffled pass of training steps, then the validation, recorded in `history`.
    private func runEpoch(_ phase: Phase, seed: UInt64, stepsTaken: inout UInt64) throws {
        observers.forEach { $0.epochWillBegin(self, epoch: epoch) }
        let start = Date()
        let order = Self.shuffledOrder(count: phase.training.sampleCount, seed: seed, epoch: epoch)
        let steps = phase.training.batchCount(batchSize: batchSize)
        var loss = RunningMean()
        var accuracy = RunningMean()
        var step = 0
        for batch in phase.training.batches(order: order, batchSize: batchSize, epoch: epoch, startingAt: 0) {
            step += 1
            observers.forEach { $0.batchWillBegin(self, step: step) }
            stepsTaken += 1
            if !batch.labels.isEmpty {
                let result = phase.model.trainStep(
                    images: batch.inputs, labels: batch.labels, optimizer: optimizer,
                    dropoutSeed: SeededGenerator.derivedSeed(seed ^ Self.dropoutStream, index: stepsTaken))
                loss.add(Double(result.loss), count: batch.labels.count)
                accuracy.add(Double(result.correct) / Double(batch.labels.count), count: batch.labels.count)
            }
            let progress = BatchProgress(step: step, steps: steps, accuracy: accuracy.mean, loss: loss.mean)
            observers.forEach { $0.batchDidEnd(self, progress: progress) }
        }
        guard loss.count > 0 else { throw TrainingError.noUsableTrainingImages(count: phase.training.sampleCount) }
        let validation = phase.validation.map {
            Evaluation.of(phase.model, on: $0, classCount: classCount, batchSize: batchSize)
        }
        if let validation, validation.count > 0 { lastValidation = validation }
        let record = EpochRecord(
            epoch: epoch, accuracy: accuracy.mean, loss: loss.mean,
            validationAccuracy: validation.flatMap { $0.count > 0 ? $0.accuracy : nil },
            validationLoss: validation.flatMap { $0.count > 0 ? $0.loss : nil },
            seconds: Date().timeIntervalSince(start))
        history.records.append(record)
        observers.forEach { $0.epochDidEnd(self, record: record) }
    }

    /// The order epoch `epoch` visits `count` samples in: a shuffle seeded by (seed, epoch).
    public static func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var order = Array(0..<count)
        var generator = SeededGenerator(seed: SeededGenerator.derivedSeed(seed ^ shuffleStream, index: UInt64(epoch)))
        order.shuffle(using: &generator)
        return order
    }

    // Distinct sub-streams of the seed for shuffles and dropout (the weights use the seed itself).
    private static let shuffleStream: UInt64 = 0x5348_5546_464C_4521
    private static let dropoutStream: UInt64 = 0x4452_4F50_4F55_5421
}
