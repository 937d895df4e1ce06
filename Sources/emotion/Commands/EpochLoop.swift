// The Keras-style epoch loop shared by `train` and `finetune`: progress line, validation, history.

import EmotionNN
import EmotionTraining

/// Keras-like epochs `epochs` (of `total`) of `trainer` on `training` (`views` views of each image, see
/// `Trainer.trainEpoch`), each followed by the validation metrics; appends one history record per epoch.
func fitEpochs(
    _ trainer: Trainer, training: (inputs: Tensor, labels: [Int32]), views: Int = 1,
    validation: (inputs: Tensor, labels: [Int32]),
    epochs: ClosedRange<Int>, of total: Int, classCount: Int, history: inout History, console: Console
) {
    for epoch in epochs {
        console.print("Epoch \(epoch)/\(total)")
        var progress = ProgressLine(target: trainer.steps(for: training.labels.count), console: console)
        let metrics = trainer.trainEpoch(epoch, images: training.inputs, labels: training.labels, views: views) { batch in
            progress.update(step: batch.step, metrics: [("accuracy", batch.accuracy), ("loss", batch.loss)])
        }
        var logs = [("accuracy", metrics.accuracy), ("loss", metrics.loss)]
        var evaluation: Evaluation?
        if !validation.labels.isEmpty {
            let result = Trainer.evaluate(
                trainer.model, images: validation.inputs, labels: validation.labels, classCount: classCount,
                batchSize: trainer.batchSize)
            logs += [("val_accuracy", result.accuracy), ("val_loss", result.loss)]
            evaluation = result
        }
        progress.finish(metrics: logs)
        history.records.append(EpochRecord(
            epoch: epoch, accuracy: metrics.accuracy, loss: metrics.loss,
            validationAccuracy: evaluation?.accuracy, validationLoss: evaluation?.loss,
            seconds: metrics.seconds + (evaluation?.seconds ?? 0)))
    }
}
