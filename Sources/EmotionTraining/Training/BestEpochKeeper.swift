// Early stopping and the weights a run ends with, as an observer of the run. Each phase gets its own
// patience; when keeping the best weights, a phase hands the next one its best weights (as a Keras user
// restores the best before fine-tuning), and the run ends with the best epoch's weights over all phases,
// whatever ended it (Keras restores them only when early stopping itself fired).

import Foundation

final class BestEpochKeeper: CheckpointingObserver {
    private let recipe: TrainingRecipe
    private let model: Sequential
    private var stopping: EarlyStopping
    /// The phase `stopping` and `phaseBest` belong to.
    private var phase: Int?
    private var phaseBest: [Tensor]?
    /// The best epoch over the run: its monitored value, number, weights and validation.
    private var runBest: (value: Double, epoch: Int, weights: [Tensor], validation: Evaluation?)?

    init(recipe: TrainingRecipe, model: Sequential) {
        self.recipe = recipe
        self.model = model
        stopping = EarlyStopping(monitor: recipe.watcher, patience: recipe.earlyStopping)
    }

    func phaseWillBegin(_ run: TrainingRun, phase: TrainingRun.Phase) {
        guard self.phase != run.phaseIndex else { return }  // resumed within the phase: keep the restored state
        if recipe.keep == .best, let phaseBest { restore(phaseBest) }
        stopping = EarlyStopping(monitor: recipe.watcher, patience: recipe.earlyStopping)
        self.phase = run.phaseIndex
        phaseBest = nil
    }

    func epochDidEnd(_ run: TrainingRun, record: EpochRecord) {
        guard let value = recipe.monitor.value(in: record) else { return }
        switch stopping.update(epoch: record.epoch, value: value) {
        case .improved:
            let weights = model.parameters.map(\.value)  // copy-on-write: copied only when training changes them
            phaseBest = weights
            if runBest == nil || recipe.watcher.isImprovement(value, over: runBest!.value) {
                runBest = (value, record.epoch, weights, run.lastValidation)
            }
        case .noImprovement:
            break
        case .stop:
            run.endPhaseRequested = true
        }
    }

    func trainingDidEnd(_ run: TrainingRun) {
        guard recipe.keep == .best, let runBest else { return }
        restore(runBest.weights)
        run.keptEpoch = runBest.epoch
        if let validation = runBest.validation { run.lastValidation = validation }
    }

    private func restore(_ weights: [Tensor]) {
        for (parameter, value) in zip(model.parameters, weights) { parameter.value = value }
    }

    // MARK: Checkpoints

    private struct State: Codable {
        var stopping: EarlyStopping
        var phase: Int?
        var hasPhaseBest: Bool
        var runBestValue: Double?
        var runBestEpoch: Int?
        var runBestValidation: RunCheckpoint.ValidationFigures?
    }

    var checkpointKey: String { "best_epoch" }

    func checkpointState() throws -> ObserverState {
        let names = model.parameters.map(\.name)
        let state = State(
            stopping: stopping, phase: phase, hasPhaseBest: phaseBest != nil, runBestValue: runBest?.value,
            runBestEpoch: runBest?.epoch, runBestValidation: runBest?.validation.map(RunCheckpoint.ValidationFigures.init))
        let tensors = zip(names, phaseBest ?? []).map { ("phase_best.\($0)", $1) }
            + zip(names, runBest?.weights ?? []).map { ("run_best.\($0)", $1) }
        return ObserverState(json: try JSONEncoder().encode(state), tensors: tensors)
    }

    func restore(from state: ObserverState) throws {
        let decoded = try JSONDecoder().decode(State.self, from: state.json)
        let saved = Dictionary(state.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        func weights(_ prefix: String) throws -> [Tensor] {
            try model.parameters.map { parameter in
                guard let value = saved["\(prefix).\(parameter.name)"], value.shape == parameter.value.shape else {
                    throw CheckpointError.doesNotFit(path: checkpointKey, reason: "no \(prefix) weights of \(parameter.name)")
                }
                return value
            }
        }
        stopping = decoded.stopping
        phase = decoded.phase
        phaseBest = decoded.hasPhaseBest ? try weights("phase_best") : nil
        if let value = decoded.runBestValue, let epoch = decoded.runBestEpoch {
            runBest = (value, epoch, try weights("run_best"), decoded.runBestValidation.map(\.evaluation))
        } else {
            runBest = nil
        }
    }
}
