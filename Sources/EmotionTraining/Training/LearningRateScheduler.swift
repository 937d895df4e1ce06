// The learning-rate schedule of a recipe as an observer of the run: cosine decay with warm-up set before
// every step, or ReduceLROnPlateau after every epoch, started afresh in each phase (each phase has its own
// optimizer and rate).

import Foundation

final class LearningRateScheduler: CheckpointingObserver {
    private let recipe: TrainingRecipe
    private var cosine: CosineDecay?
    private var plateau: ReduceLROnPlateau?
    /// The phase the plateau state belongs to (a resumed run keeps the state the checkpoint restored).
    private var phase: Int?

    init(recipe: TrainingRecipe) {
        self.recipe = recipe
    }

    func phaseWillBegin(_ run: TrainingRun, phase: TrainingRun.Phase) {
        switch recipe.lrSchedule {
        case .constant:
            break
        case .cosine:
            cosine = CosineDecay(
                peak: Float(phase.learningRate), epochs: phase.epochs, stepsPerEpoch: run.stepsPerEpoch,
                warmupEpochs: recipe.warmupEpochs)
        case .plateau:
            if self.phase != run.phaseIndex {
                plateau = ReduceLROnPlateau(monitor: recipe.watcher, factor: recipe.plateauFactor, patience: recipe.plateauPatience)
            }
        }
        self.phase = run.phaseIndex
    }

    func batchWillBegin(_ run: TrainingRun, step: Int) {
        if let cosine { run.optimizer.learningRate = cosine.learningRate(atStep: run.optimizer.iterations) }
    }

    func epochDidEnd(_ run: TrainingRun, record: EpochRecord) {
        guard plateau != nil, let value = recipe.monitor.value(in: record) else { return }
        run.optimizer.learningRate = plateau!.update(value: value, learningRate: run.optimizer.learningRate)
    }

    // MARK: Checkpoints

    private struct State: Codable {
        var phase: Int?
        var plateau: ReduceLROnPlateau?
    }

    var checkpointKey: String { "lr_schedule" }

    func checkpointState() throws -> ObserverState {
        ObserverState(json: try JSONEncoder().encode(State(phase: phase, plateau: plateau)))
    }

    func restore(from state: ObserverState) throws {
        let decoded = try JSONDecoder().decode(State.self, from: state.json)
        phase = decoded.phase
        plateau = decoded.plateau
    }
}
