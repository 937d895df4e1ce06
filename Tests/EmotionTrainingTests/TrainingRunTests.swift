// Tests of the training run on a tiny Dense model: batching with the last partial batch kept, running means,
// seeded reproducibility, learning, the observer events and phases, and evaluation against a hand-counted
// confusion matrix.

import Foundation
import Testing
import EmotionNN
import EmotionTestSupport
@testable import EmotionTraining

/// Flatten → Dense(8, relu) → Dropout(0.5) → Dense(3, softmax) on 2×2×3 inputs.
private func tinyModel(seed: UInt64) -> Sequential {
    Sequential(
        inputShape: [2, 2, 3],
        layers: [Flatten(), Dense(units: 8, activation: .relu), Dropout(rate: 0.5), Dense(units: 3, activation: .softmax)],
        seed: seed)
}

/// Ten separable samples: class k has channel k bright.
private func tinyData() -> TensorRowSource {
    var scalars: [Float] = []
    var labels: [Int32] = []
    for sample in 0..<10 {
        let label = sample % 3
        for pixel in 0..<4 {
            for channel in 0..<3 {
                scalars.append(channel == label ? 1 : Float((sample + pixel) % 3) * 0.1)
            }
        }
        labels.append(Int32(label))
    }
    return TensorRowSource(rows: Tensor(shape: [10, 2, 2, 3], scalars: scalars), labels: labels)
}

/// Records every event as a line.
private final class EventLog: TrainingObserver {
    var events: [String] = []
    var stopAfterEpoch: Int?

    func trainingWillBegin(_ run: TrainingRun) { events.append("begin") }
    func phaseWillBegin(_ run: TrainingRun, phase: TrainingRun.Phase) { events.append("phase \(run.phaseIndex)") }
    func epochWillBegin(_ run: TrainingRun, epoch: Int) { events.append("epoch \(epoch)") }
    func batchWillBegin(_ run: TrainingRun, step: Int) { events.append("step \(step)") }
    func batchDidEnd(_ run: TrainingRun, progress: BatchProgress) { events.append("done \(progress.step)/\(progress.steps)") }
    func epochDidEnd(_ run: TrainingRun, record: EpochRecord) {
        events.append("end \(record.epoch)")
        if record.epoch == stopAfterEpoch { run.endPhaseRequested = true }
    }
    func trainingDidEnd(_ run: TrainingRun) { events.append("finish") }
}

private func train(seed: UInt64, epochs: Int, log: EventLog? = nil) throws -> (run: TrainingRun, weights: [[Float]]) {
    let model = tinyModel(seed: seed)
    let phase = TrainingRun.Phase(
        description: "", model: model, training: tinyData(), validation: tinyData(), epochs: epochs, learningRate: 0.01)
    let run = TrainingRun(model: model, phases: [phase], batchSize: 4, seed: seed, classCount: 3)
    if let log { run.observers.append(log) }
    try run.fit()
    return (run, model.parameters.map(\.value.scalars))
}

@Test func epochsKeepTheLastPartialBatchAndAreReproducible() throws {
    let log = EventLog()
    let first = try train(seed: 3, epochs: 2, log: log)
    // 10 samples in batches of 4, 4, 2; every event in order.
    let epoch = { (n: Int) in ["epoch \(n)", "step 1", "done 1/3", "step 2", "done 2/3", "step 3", "done 3/3", "end \(n)"] }
    #expect(log.events == ["begin", "phase 0"] + epoch(1) + epoch(2) + ["finish"])
    let again = try train(seed: 3, epochs: 2)
    #expect(first.weights == again.weights)
    #expect(first.run.history.records.map(\.loss) == again.run.history.records.map(\.loss))
    #expect(first.run.history.records.map(\.accuracy) == again.run.history.records.map(\.accuracy))
    let other = try train(seed: 4, epochs: 2)
    #expect(first.weights != other.weights)
    // Accuracy is a mean over samples, so with 10 samples it is a multiple of 0.1.
    for record in first.run.history.records {
        #expect(abs(record.accuracy * 10 - (record.accuracy * 10).rounded()) < 1e-9)
    }
}

@Test func trainingLearnsASeparableSetAndReportsTheLastValidation() throws {
    let result = try train(seed: 1, epochs: 60)
    let records = result.run.history.records
    #expect(records.count == 60)
    #expect(records[59].loss < records[0].loss * 0.5, "loss \(records[0].loss) → \(records[59].loss)")
    let validation = try #require(result.run.lastValidation)
    #expect(validation.accuracy == 1)
    #expect(validation.confusion.counts == [[4, 0, 0], [0, 3, 0], [0, 0, 3]])
    #expect(records[59].validationAccuracy == validation.accuracy && records[59].validationLoss == validation.loss)
}

@Test func anObserverCanStopTheRunAfterAnEpoch() throws {
    let log = EventLog()
    log.stopAfterEpoch = 2
    let result = try train(seed: 2, epochs: 5, log: log)
    #expect(result.run.history.records.map(\.epoch) == [1, 2])
    #expect(log.events.last == "finish")
}

@Test func phasesContinueOneHistoryWithAFreshOptimizerEach() throws {
    let model = tinyModel(seed: 5)
    var prepared: [Int] = []
    let run = TrainingRun(
        model: model,
        phases: [
            TrainingRun.Phase(description: "head", model: model, training: tinyData(), validation: nil, epochs: 2,
                              learningRate: 0.01),
            TrainingRun.Phase(description: "tail", model: model, training: tinyData(), validation: nil, epochs: 1,
                              learningRate: 0.001, prepare: { prepared.append(1) }),
        ],
        batchSize: 5, seed: 5, classCount: 3)
    let log = EventLog()
    run.observers.append(log)
    try run.fit()
    #expect(run.totalEpochs == 3)
    #expect(run.history.records.map(\.epoch) == [1, 2, 3])
    #expect(run.history.records.allSatisfy { $0.validationAccuracy == nil })
    #expect(run.lastValidation == nil)
    #expect(prepared == [1])
    #expect(log.events.filter { $0.hasPrefix("phase") } == ["phase 0", "phase 1"])
    // The second phase's Adam starts afresh at its own rate and counts its own two steps.
    #expect(run.optimizer.learningRate == 0.001 && run.optimizer.iterations == 2)
}

@Test func aRunWithNoUsableTrainingSampleFails() throws {
    final class Empty: BatchSource {
        var sampleCount: Int { 3 }
        func batches(order: [Int], batchSize: Int, epoch: Int, startingAt first: Int) -> AnyIterator<Batch> {
            var done = false
            return AnyIterator {
                defer { done = true }
                return done ? nil : Batch(inputs: Tensor(shape: [0, 2, 2, 3]), labels: [])
            }
        }
    }
    let model = tinyModel(seed: 1)
    let phase = TrainingRun.Phase(
        description: "", model: model, training: Empty(), validation: nil, epochs: 2, learningRate: 0.01)
    let run = TrainingRun(model: model, phases: [phase], batchSize: 4, seed: 1, classCount: 3)
    #expect(throws: TrainingError.noUsableTrainingImages(count: 3)) { try run.fit() }
}

@Test func evaluationMatchesTheModelsOwnPredictions() {
    let data = tinyData()
    let model = tinyModel(seed: 9)
    let predicted = model.predict(data.rows).argmaxAlongLastAxis()
    var expected = ConfusionMatrix(classCount: 3)
    for (truth, guess) in zip(data.labels, predicted) { expected.add(trueClass: Int(truth), predicted: guess) }
    var steps: [Int] = []
    let evaluation = Evaluation.of(model, on: data, classCount: 3, batchSize: 4) { steps.append($0.step) }
    #expect(steps == [1, 2, 3])
    #expect(evaluation.confusion == expected)
    #expect(evaluation.count == 10)
    // The loss is the mean over samples of -log p(label), whatever the batching.
    let probabilities = model.predict(data.rows).scalars
    var lossSum = 0.0
    for (row, label) in data.labels.enumerated() {
        lossSum -= log(Double(probabilities[row * 3 + Int(label)]))
    }
    #expect(abs(evaluation.loss - lossSum / 10) < 1e-5)
    let single = Evaluation.of(model, on: data, classCount: 3, batchSize: 10)
    #expect(abs(single.loss - evaluation.loss) < 1e-6)
}

/// With label smoothing and the generalised cross-entropy, the loss of the fused kernel (plain evaluation) and
/// of the probabilities (test-time augmentation's path) are the same hand-computed Σ_j t_j·(1 − p_j^q)/q.
@Test func evaluationLossFollowsTheGeneralisedCrossEntropy() {
    let data = tinyData()
    let model = tinyModel(seed: 9)
    let options = CrossEntropyOptions(labelSmoothing: 0.3, gceQ: 0.5)
    let probabilities = model.predict(data.rows)
    var expected = 0.0
    for (row, label) in data.labels.enumerated() {
        for k in 0..<3 {
            let target = 0.1 + (k == Int(label) ? 0.7 : 0)
            expected += target * (1 - Double(probabilities.scalars[row * 3 + k]).squareRoot()) / 0.5
        }
    }
    expected /= 10
    let evaluation = Evaluation.of(model, on: data, classCount: 3, batchSize: 4, loss: options)
    #expect(abs(evaluation.loss - expected) < 1e-5)
    #expect(abs(crossEntropy(probabilities: probabilities, labels: data.labels, options: options) - expected) < 1e-6)
}

/// Each epoch shows every sample once, in one of its views; over epochs both views appear; evaluation
/// shows the first view.
@Test func rowSourcesDrawOneViewPerSamplePerEpoch() {
    let inputs = Tensor(shape: [8, 1], scalars: [0, 1, 2, 3, 100, 101, 102, 103])
    let source = TensorRowSource(rows: inputs, labels: [0, 1, 0, 1], views: 2, seed: 3)
    var seenViews = Set<Float>()
    for epoch in 1...6 {
        let order = TrainingRun.shuffledOrder(count: 4, seed: 3, epoch: epoch)
        let values = source.batches(order: order, batchSize: 8, epoch: epoch, startingAt: 0).flatMap { $0.inputs.scalars }
        #expect(Set(values.map { Int($0) % 100 }) == [0, 1, 2, 3], "every sample once per epoch")
        #expect(values.map { Int($0) % 100 } == order)
        seenViews.formUnion(values.map { $0 >= 100 ? 1 : 0 })
    }
    #expect(seenViews == [0, 1])
    #expect(source.evaluationBatches(batchSize: 3).flatMap { $0.inputs.scalars } == [0, 1, 2, 3])
    #expect(source.batches(order: [0, 1, 2, 3], batchSize: 2, epoch: 0, startingAt: 1).map(\.labels) == [[0, 1]])
}

// MARK: Checkpoints

/// A two-phase run on the tiny data: 2 epochs at 0.01, then 2 at 0.002 (a phase boundary to cross).
private func twoPhaseRun(checkpoints: CheckpointStore?) throws -> TrainingRun {
    let model = tinyModel(seed: 21)
    let run = TrainingRun(
        model: model,
        phases: [
            TrainingRun.Phase(description: "", model: model, training: tinyData(), validation: tinyData(), epochs: 2,
                              learningRate: 0.01),
            TrainingRun.Phase(description: "", model: model, training: tinyData(), validation: tinyData(), epochs: 2,
                              learningRate: 0.002),
        ],
        batchSize: 4, seed: 21, classCount: 3)
    if let checkpoints {
        let config = ModelConfig(
            architecture: "tiny", inputShape: [2, 2, 3], classNames: ["a", "b", "c"],
            preprocessing: Preprocessing(height: 2, width: 2),
            training: TrainingSettings(architecture: "tiny", data: "tiny", epochs: 2, batchSize: 4, learningRate: 0.01,
                                       validationSplit: 0, seed: 21, inputScale: .unit, classNames: nil))
        run.checkpointing = TrainingRun.Checkpointing(store: checkpoints, identity: try RunIdentity(config: config, files: []))
    }
    return run
}

/// Requests an interruption when the run reaches (epoch, step).
private final class InterruptAt: TrainingObserver {
    let epoch: Int, step: Int
    let interruption: Interruption
    init(epoch: Int, step: Int, interruption: Interruption) {
        self.epoch = epoch
        self.step = step
        self.interruption = interruption
    }
    func batchDidEnd(_ run: TrainingRun, progress: BatchProgress) {
        if run.epoch == epoch && progress.step == step { interruption.request(signal: SIGINT) }
    }
}

/// Interrupted anywhere (mid-epoch, at an epoch's end, at the phase boundary) and resumed by a fresh run
/// object, the run ends with the very weights, optimizer state and history rows of an uninterrupted run.
@Test(arguments: [(1, 1), (1, 3), (2, 2), (2, 3), (3, 1), (4, 2)])
func aResumedRunEqualsAnUninterruptedOne(epoch: Int, step: Int) throws {
    let reference = try twoPhaseRun(checkpoints: nil)
    try reference.fit()

    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let store = CheckpointStore(beside: folder.url.appendingPathComponent("model"))
    let first = try twoPhaseRun(checkpoints: store)
    let interruption = Interruption()
    first.interruption = interruption
    first.observers.append(InterruptAt(epoch: epoch, step: step, interruption: interruption))
    do {
        try first.fit()
        Issue.record("the run was not interrupted")
    } catch let interrupted as TrainingInterrupted {
        #expect(interrupted.signal == SIGINT && interrupted.epoch == epoch && interrupted.step == step)
        #expect(interrupted.checkpoint == store.folder)
    }

    let second = try twoPhaseRun(checkpoints: store)
    let checkpoint = try store.load()
    try second.resume(from: checkpoint)
    try second.fit()
    #expect(second.model.parameters.map(\.value) == reference.model.parameters.map(\.value))
    #expect(second.optimizer.state == reference.optimizer.state)
    let rows = { (run: TrainingRun) in run.history.records.map { [$0.accuracy, $0.loss, $0.validationAccuracy, $0.validationLoss] } }
    #expect(rows(second) == rows(reference))
    #expect(second.history.records.map(\.epoch) == [1, 2, 3, 4])
    #expect(second.lastValidation?.confusion == reference.lastValidation?.confusion)
}

@Test func aCheckpointOfOtherSettingsOrDamagedIsRefused() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let store = CheckpointStore(beside: folder.url.appendingPathComponent("model"))
    #expect(throws: CheckpointError.missing(path: store.folder.path)) { try store.load() }
    let run = try twoPhaseRun(checkpoints: store)
    try run.fit()
    #expect(store.exists)

    let otherConfig = ModelConfig(
        architecture: "tiny", inputShape: [2, 2, 3], classNames: ["a", "b", "c"],
        preprocessing: Preprocessing(height: 2, width: 2),
        training: TrainingSettings(architecture: "tiny", data: "tiny", epochs: 3, batchSize: 4, learningRate: 0.01,
                                   validationSplit: 0, seed: 21, inputScale: .unit, classNames: nil))
    let other = try twoPhaseRun(checkpoints: nil)
    other.checkpointing = TrainingRun.Checkpointing(store: store, identity: try RunIdentity(config: otherConfig, files: []))
    #expect(throws: CheckpointError.settingsDiffer(
        path: store.folder.path, differences: [SettingDifference(setting: "training.epochs", then: "2", now: "3")])) {
        try other.resume(from: try store.load())
    }

    try Data("{}".utf8).write(to: store.folder.appendingPathComponent("state.json"))
    do {
        _ = try store.load()
        Issue.record("a damaged checkpoint loaded")
    } catch .unreadable(let path, _) {
        #expect(path == store.folder.path)
    } catch {
        Issue.record("unexpected \(error)")
    }
}

/// Saves alternate between the two tensors files and state.json names the last one written, so a spare file
/// left half-written by a crash never reaches a load, and the next save simply rewrites it.
@Test func savesAlternateTensorsFilesAndALoadReadsOnlyTheCommittedOne() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let store = CheckpointStore(beside: folder.url.appendingPathComponent("model"))
    let committedFile = {
        try JSONDecoder().decode(RunCheckpoint.State.self, from: Data(contentsOf: store.folder.appendingPathComponent("state.json"))).tensorsFile
    }
    let run = try twoPhaseRun(checkpoints: store)
    var written: [String] = []
    run.observers.append(AfterEachEpoch { written.append(try committedFile()) })
    try run.fit()
    #expect(written == ["tensors-a.safetensors", "tensors-b.safetensors", "tensors-a.safetensors", "tensors-b.safetensors"])
    let saved = try store.load()

    // A crash in the middle of the next save: the spare file is garbage, the checkpoint still loads whole.
    let spare = try #require(CheckpointStore.tensorsFileNames.first { $0 != (try? committedFile()) })
    try Data(repeating: 7, count: 1000).write(to: store.folder.appendingPathComponent(spare))
    let reloaded = try store.load()
    #expect(reloaded.weights.map(\.tensor) == saved.weights.map(\.tensor))
    #expect(reloaded.optimizer == saved.optimizer)

    // The next save rewrites the spare file (longer content over shorter, and shorter over longer) and names it.
    try store.save(saved)
    #expect(try committedFile() == spare)
    #expect(try store.load().weights.map(\.tensor) == saved.weights.map(\.tensor))
    try Data(repeating: 7, count: 10_000_000).write(to: store.folder.appendingPathComponent(try #require(
        CheckpointStore.tensorsFileNames.first { $0 != spare })))
    try store.save(saved)
    #expect(try store.load().weights.map(\.tensor) == saved.weights.map(\.tensor))
}

/// Calls `body` once each epoch's checkpoint is written: when the next epoch begins, and at the end.
private final class AfterEachEpoch: TrainingObserver {
    let body: () throws -> Void
    init(_ body: @escaping () throws -> Void) { self.body = body }
    func epochWillBegin(_ run: TrainingRun, epoch: Int) {
        if epoch > 1 { try? body() }
    }
    func trainingDidEnd(_ run: TrainingRun) { try? body() }
}
