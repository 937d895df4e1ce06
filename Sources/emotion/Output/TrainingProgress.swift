// The Keras-style log of a training run, as an observer of it: `Epoch 3/20`, a live progress bar on a
// terminal (plain lines when piped), the epoch's final line with the validation metrics, a phase's
// description when it begins, and a warning when a checkpoint cannot be written.

import EmotionTraining

final class TrainingProgress: TrainingObserver {
    private let console: Console
    private var line: ProgressLine?
    /// The learning rate last shown (or the phase's own), so an epoch line shows it when it changed.
    private var shownRate: Double?

    init(console: Console) {
        self.console = console
    }

    func phaseWillBegin(_ run: TrainingRun, phase: TrainingRun.Phase) {
        if !phase.description.isEmpty { console.print(phase.description) }
        shownRate = Double(Float(phase.learningRate))
    }

    func epochWillBegin(_ run: TrainingRun, epoch: Int) {
        console.print("Epoch \(epoch)/\(run.totalEpochs)")
        line = ProgressLine(target: run.stepsPerEpoch, console: console)
    }

    func batchDidEnd(_ run: TrainingRun, progress: BatchProgress) {
        line?.update(step: progress.step, metrics: [("accuracy", progress.accuracy), ("loss", progress.loss)])
    }

    func epochDidEnd(_ run: TrainingRun, record: EpochRecord) {
        var metrics = [("accuracy", record.accuracy), ("loss", record.loss)]
        if let accuracy = record.validationAccuracy, let loss = record.validationLoss {
            metrics += [("val_accuracy", accuracy), ("val_loss", loss)]
        }
        if let rate = record.learningRate, rate != shownRate {
            metrics.append(("learning_rate", rate))
            shownRate = rate
        }
        line?.finish(metrics: metrics)
        line = nil
    }

    func trainingDidEnd(_ run: TrainingRun) {
        if let epoch = run.keptEpoch { console.print("Restored the weights of epoch \(epoch), the best by the monitored metric.") }
    }

    func checkpointDidFail(_ run: TrainingRun, error: Error) {
        console.warn("cannot write the checkpoint: \(error) (training goes on; the previous checkpoint, if any, "
            + "stays valid)")
    }
}
