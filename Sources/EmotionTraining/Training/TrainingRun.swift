// TrainingRun: a whole training run as one object (Keras's `Model.fit`): the model, its training and
// validation data, the optimizer, the epochs, and the events observers receive. Progress lines, history,
// schedules, early stopping and checkpoints hang on those events instead of living in the commands.
//
// A run has one or more phases that continue one history: a Task 1 model trains in one; `finetune` trains
// the head on frozen-backbone features, then the top of the backbone (see TransferLearning). Everything
// random derives from the seed: phase p uses seed + p; the shuffle of epoch e and the dropout masks of step
// s each get their own sub-stream, so a run is the same whatever the thread timing or the data cache, and a
// run resumed from a checkpoint continues exactly as if it had never stopped.

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
    /// A checkpoint could not be written (the run goes on; the previous checkpoint stays valid).
    func checkpointDidFail(_ run: TrainingRun, error: Error)
    func trainingDidEnd(_ run: TrainingRun)
}

extension TrainingObserver {
    public func trainingWillBegin(_ run: TrainingRun) {}
    public func phaseWillBegin(_ run: TrainingRun, phase: TrainingRun.Phase) {}
    public func epochWillBegin(_ run: TrainingRun, epoch: Int) {}
    public func batchWillBegin(_ run: TrainingRun, step: Int) {}
    public func batchDidEnd(_ run: TrainingRun, progress: BatchProgress) {}
    public func epochDidEnd(_ run: TrainingRun, record: EpochRecord) {}
    public func checkpointDidFail(_ run: TrainingRun, error: Error) {}
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
        /// The model the phase's steps run (a view that shares its layers with the run's model).
        public let model: Sequential
        public let training: BatchSource
        /// Evaluated after every epoch; nil to train without validation.
        public let validation: BatchSource?
        public let epochs: Int
        /// The Adam learning rate the phase starts with (a fresh optimizer per phase, as Keras recompiles).
        public let learningRate: Double
        /// Decoupled weight decay of the phase's optimizer (AdamW; 0 is Adam).
        public let weightDecay: Double
        /// The loss of the training steps (class weights, label smoothing) and of the validation.
        public let trainingLoss: CrossEntropyOptions
        public let validationLoss: CrossEntropyOptions
        /// α of the MixUp every training batch gets (λ ~ Beta(α, α)); nil for none.
        public let mixup: Double?
        /// Called when the phase begins, before its first step: e.g. unfreezes the units it trains.
        public let prepare: (() -> Void)?

        public init(
            description: String, model: Sequential, training: BatchSource, validation: BatchSource?, epochs: Int,
            learningRate: Double, weightDecay: Double = 0, trainingLoss: CrossEntropyOptions = .none,
            validationLoss: CrossEntropyOptions = .none, mixup: Double? = nil, prepare: (() -> Void)? = nil
        ) {
            precondition(epochs >= 0, "TrainingRun.Phase: negative epochs")
            precondition(mixup.map { $0 > 0 } ?? true, "TrainingRun.Phase: the MixUp alpha must be positive")
            self.description = description
            self.model = model
            self.training = training
            self.validation = validation
            self.epochs = epochs
            self.learningRate = learningRate
            self.weightDecay = weightDecay
            self.trainingLoss = trainingLoss
            self.validationLoss = validationLoss
            self.mixup = mixup
            self.prepare = prepare
        }
    }

    /// Where a checkpoint goes and what identifies the run in it.
    public struct Checkpointing {
        public let store: CheckpointStore
        public let identity: RunIdentity

        public init(store: CheckpointStore, identity: RunIdentity) {
            self.store = store
            self.identity = identity
        }
    }

    /// The model the run trains and a checkpoint holds (every phase's model is a view of it).
    public let model: Sequential
    public let phases: [Phase]
    public let batchSize: Int
    public let seed: UInt64
    public let classCount: Int
    /// Told of every event, in this order.
    public var observers: [any TrainingObserver] = []
    /// Checkpoints after every epoch and on an interrupt when set.
    public var checkpointing: Checkpointing?
    /// Checked after every step: once requested, the run saves a checkpoint and throws `TrainingInterrupted`.
    public var interruption: Interruption?
    /// The epochs done so far (Keras's `History`).
    public private(set) var history = History()
    /// The optimizer of the phase running (observers may change its learning rate).
    public private(set) var optimizer: Adam
    /// The phase running or last run, and the epoch (1-based, counted over all phases) in it.
    public private(set) var phaseIndex = 0
    public private(set) var epoch = 0
    /// Set by an observer (early stopping) to end the current phase after this epoch: the run goes on with
    /// the next phase, or ends after the last (Keras's `model.stop_training`).
    public var endPhaseRequested = false
    /// The validation of the weights the run holds: the last epoch's, or the kept epoch's when the best
    /// weights were restored. What the final "Test Accuracy" reports.
    public internal(set) var lastValidation: Evaluation?
    /// The epoch whose weights the run ended with, when they are not the last epoch's (`keep best`).
    public internal(set) var keptEpoch: Int?

    /// Where `fit()` starts: the beginning, or what `resume(from:)` restored.
    private var start = Position(phaseIndex: 0, epoch: 1, step: 0, stepsTaken: 0)
    private var resumedEpoch: (loss: RunningMean, accuracy: RunningMean, seconds: Double)?

    private struct Position {
        var phaseIndex: Int
        var epoch: Int
        var step: Int
        var stepsTaken: UInt64
    }

    public init(model: Sequential, phases: [Phase], batchSize: Int, seed: UInt64, classCount: Int) {
        precondition(!phases.isEmpty, "TrainingRun: no phases")
        precondition(batchSize > 0, "TrainingRun: the batch size must be positive")
        self.model = model
        self.phases = phases
        self.batchSize = batchSize
        self.seed = seed
        self.classCount = classCount
        optimizer = Self.optimizer(for: phases[0])
    }

    private static func optimizer(for phase: Phase) -> Adam {
        Adam(learningRate: Float(phase.learningRate), weightDecay: Float(phase.weightDecay))
    }

    /// Epochs over all phases.
    public var totalEpochs: Int { phases.reduce(0) { $0 + $1.epochs } }

    /// Batches per epoch of the running phase.
    public var stepsPerEpoch: Int { phases[phaseIndex].training.batchCount(batchSize: batchSize) }

    /// The first epoch (1-based, over all phases) of phase `index`.
    private func firstEpoch(ofPhase index: Int) -> Int {
        1 + phases.prefix(index).reduce(0) { $0 + $1.epochs }
    }

    /// Trains every phase (or until an observer requests a stop) and returns the history. Throws when an
    /// epoch finds no usable training sample at all, and `TrainingInterrupted` when `interruption` stopped it.
    @discardableResult
    public func fit() throws -> History {
        observers.forEach { $0.trainingWillBegin(self) }
        for index in start.phaseIndex..<phases.count {
            let phase = phases[index]
            let resuming = index == start.phaseIndex
            phaseIndex = index
            endPhaseRequested = false
            if !(resuming && start.stepsTaken > 0) { optimizer = Self.optimizer(for: phase) }
            var stepsTaken = resuming ? start.stepsTaken : 0
            phase.prepare?()
            observers.forEach { $0.phaseWillBegin(self, phase: phase) }
            let end = firstEpoch(ofPhase: index) + phase.epochs
            for epoch in (resuming ? start.epoch : firstEpoch(ofPhase: index))..<end where !endPhaseRequested {
                self.epoch = epoch
                let first = resuming && epoch == start.epoch ? start.step : 0
                try runEpoch(phase, seed: seed &+ UInt64(index), stepsTaken: &stepsTaken, startingAt: first)
            }
        }
        observers.forEach { $0.trainingDidEnd(self) }
        return history
    }

    /// One epoch of `phase` from step `first` on: a shuffled pass of training steps, then the validation,
    /// recorded in `history`, then a checkpoint.
    private func runEpoch(_ phase: Phase, seed: UInt64, stepsTaken: inout UInt64, startingAt first: Int) throws {
        if first == 0 { observers.forEach { $0.epochWillBegin(self, epoch: epoch) } }
        let start = Date()
        let order = Self.shuffledOrder(count: phase.training.sampleCount, seed: seed, epoch: epoch)
        let steps = phase.training.batchCount(batchSize: batchSize)
        var loss = resumedEpoch?.loss ?? RunningMean()
        var accuracy = resumedEpoch?.accuracy ?? RunningMean()
        let earlierSeconds = resumedEpoch?.seconds ?? 0
        resumedEpoch = nil
        var step = first
        for batch in phase.training.batches(order: order, batchSize: batchSize, epoch: epoch, startingAt: first) {
            step += 1
            observers.forEach { $0.batchWillBegin(self, step: step) }
            stepsTaken += 1
            if !batch.labels.isEmpty {
                let mixUp = phase.mixup.map { alpha in
                    var generator = SeededGenerator(seed: SeededGenerator.derivedSeed(seed ^ Self.mixUpStream, index: stepsTaken))
                    return MixUp.draw(rows: batch.labels.count, alpha: alpha, using: &generator)
                }
                let result = phase.model.trainStep(
                    images: batch.inputs, labels: batch.labels, optimizer: optimizer,
                    dropoutSeed: SeededGenerator.derivedSeed(seed ^ Self.dropoutStream, index: stepsTaken),
                    loss: phase.trainingLoss, mixUp: mixUp)
                loss.add(Double(result.loss), count: batch.labels.count)
                accuracy.add(Double(result.correct) / Double(batch.labels.count), count: batch.labels.count)
            }
            let progress = BatchProgress(step: step, steps: steps, accuracy: accuracy.mean, loss: loss.mean)
            observers.forEach { $0.batchDidEnd(self, progress: progress) }
            if let signal = interruption?.signal, step < steps {
                let position = Position(phaseIndex: phaseIndex, epoch: epoch, step: step, stepsTaken: stepsTaken)
                let saved = saveCheckpoint(
                    at: position, epochState: (loss, accuracy, earlierSeconds + Date().timeIntervalSince(start)))
                throw TrainingInterrupted(
                    signal: signal, epoch: epoch, totalEpochs: totalEpochs, step: step, steps: steps, checkpoint: saved)
            }
        }
        guard loss.count > 0 else { throw TrainingError.noUsableTrainingImages(count: phase.training.sampleCount) }
        let validation = phase.validation.map {
            Evaluation.of(phase.model, on: $0, classCount: classCount, batchSize: batchSize, loss: phase.validationLoss)
        }
        if let validation, validation.count > 0 { lastValidation = validation }
        let record = EpochRecord(
            epoch: epoch, accuracy: accuracy.mean, loss: loss.mean,
            validationAccuracy: validation.flatMap { $0.count > 0 ? $0.accuracy : nil },
            validationLoss: validation.flatMap { $0.count > 0 ? $0.loss : nil },
            learningRate: Double(optimizer.learningRate), seconds: earlierSeconds + Date().timeIntervalSince(start))
        history.records.append(record)
        observers.forEach { $0.epochDidEnd(self, record: record) }

        // The next position: the next epoch of this phase, the start of the next phase, or the end.
        let lastOfPhase = endPhaseRequested || epoch == firstEpoch(ofPhase: phaseIndex) + phases[phaseIndex].epochs - 1
        let next = lastOfPhase
            ? Position(phaseIndex: phaseIndex + 1, epoch: firstEpoch(ofPhase: phaseIndex + 1), step: 0, stepsTaken: 0)
            : Position(phaseIndex: phaseIndex, epoch: epoch + 1, step: 0, stepsTaken: stepsTaken)
        let saved = saveCheckpoint(at: next, epochState: (RunningMean(), RunningMean(), 0))
        if let signal = interruption?.signal, phaseIndex + (lastOfPhase ? 1 : 0) < phases.count {
            throw TrainingInterrupted(
                signal: signal, epoch: epoch, totalEpochs: totalEpochs, step: steps, steps: steps, checkpoint: saved)
        }
    }

    // MARK: Checkpoints

    /// Writes a checkpoint for `position` when the run has a checkpoint folder; returns where, or nil (an
    /// observer is told why when the write failed).
    private func saveCheckpoint(
        at position: Position, epochState: (loss: RunningMean, accuracy: RunningMean, seconds: Double)
    ) -> URL? {
        guard let checkpointing else { return nil }
        do {
            let continuesPhase = position.phaseIndex == phaseIndex
            var observerStates: [String: Data] = [:]
            var observerTensors: [String: [(name: String, tensor: Tensor)]] = [:]
            for case let observer as any CheckpointingObserver in observers {
                let state = try observer.checkpointState()
                observerStates[observer.checkpointKey] = state.json
                observerTensors[observer.checkpointKey] = state.tensors
            }
            let optimizerState = continuesPhase ? optimizer.state : nil
            let state = RunCheckpoint.State(
                format: RunCheckpoint.formatName, formatVersion: RunCheckpoint.formatVersion,
                configuration: String(decoding: checkpointing.identity.configuration, as: UTF8.self),
                dataFingerprint: checkpointing.identity.dataFingerprint, history: history.records,
                phaseIndex: position.phaseIndex, epoch: position.epoch, step: position.step,
                stepsTaken: position.stepsTaken, runningLoss: epochState.loss, runningAccuracy: epochState.accuracy,
                epochSeconds: epochState.seconds,
                optimizerIterations: optimizerState?.iterations, optimizerLearningRate: optimizerState?.learningRate,
                lastValidation: lastValidation.map(RunCheckpoint.ValidationFigures.init),
                observers: observerStates)
            try checkpointing.store.save(RunCheckpoint(
                state: state, weights: model.parameters.map { ($0.name, $0.value) }, optimizer: optimizerState,
                observerTensors: observerTensors))
            return checkpointing.store.folder
        } catch {
            observers.forEach { $0.checkpointDidFail(self, error: error) }
            return nil
        }
    }

    /// Continues from `checkpoint` at the next `fit()`: restores the weights, the optimizer, the history,
    /// the position and running means, and the observers' states. Throws when the checkpoint does not fit
    /// this run (other settings, other files, other parameters).
    public func resume(from checkpoint: RunCheckpoint) throws(CheckpointError) {
        let path = checkpointing?.store.folder.path ?? "checkpoint"
        if let identity = checkpointing?.identity { try checkpoint.check(identity, path: path) }
        let state = checkpoint.state
        guard state.phaseIndex >= 0, state.phaseIndex <= phases.count, state.epoch >= 1,
              state.epoch <= totalEpochs + 1, state.step >= 0
        else { throw .doesNotFit(path: path, reason: "it stands at epoch \(state.epoch), step \(state.step) of phase \(state.phaseIndex)") }
        let saved = Dictionary(checkpoint.weights.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        for parameter in model.parameters {
            guard let value = saved[parameter.name], value.shape == parameter.value.shape else {
                throw .doesNotFit(path: path, reason: "parameter \(parameter.name) is missing or has another shape")
            }
        }
        for parameter in model.parameters { parameter.value = saved[parameter.name]! }
        if state.phaseIndex < phases.count {
            phases[state.phaseIndex].prepare?()  // the optimizer's moments belong to the units the phase trains
            optimizer = Self.optimizer(for: phases[state.phaseIndex])
            if let adam = checkpoint.optimizer {
                do {
                    try optimizer.restore(adam, parameters: model.parameters)
                } catch {
                    throw .doesNotFit(path: path, reason: "\(error)")
                }
            }
        }
        for case let observer as any CheckpointingObserver in observers {
            guard let json = state.observers[observer.checkpointKey] else {
                throw .doesNotFit(path: path, reason: "it has no state for \(observer.checkpointKey)")
            }
            do {
                try observer.restore(from: ObserverState(json: json, tensors: checkpoint.observerTensors[observer.checkpointKey] ?? []))
            } catch {
                throw .doesNotFit(path: path, reason: "\(observer.checkpointKey): \(error)")
            }
        }
        if let counts = state.lastValidation?.counts,
           counts.count != classCount || !counts.allSatisfy({ $0.count == classCount }) {
            throw .doesNotFit(path: path, reason: "its confusion matrix is not \(classCount) x \(classCount)")
        }
        history = checkpoint.history
        lastValidation = state.lastValidation.map(\.evaluation)
        start = Position(phaseIndex: state.phaseIndex, epoch: state.epoch, step: state.step, stepsTaken: state.stepsTaken)
        resumedEpoch = state.step > 0 ? (state.runningLoss, state.runningAccuracy, state.epochSeconds) : nil
    }

    /// The order epoch `epoch` visits `count` samples in: a shuffle seeded by (seed, epoch).
    public static func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var order = Array(0..<count)
        var generator = SeededGenerator(seed: SeededGenerator.derivedSeed(seed ^ shuffleStream, index: UInt64(epoch)))
        order.shuffle(using: &generator)
        return order
    }

    // Distinct sub-streams of the seed for shuffles, dropout and MixUp (the weights use the seed itself).
    private static let shuffleStream: UInt64 = 0x5348_5546_464C_4521
    private static let dropoutStream: UInt64 = 0x4452_4F50_4F55_5421
    private static let mixUpStream: UInt64 = 0x4D49_5855_5021_2121
}
