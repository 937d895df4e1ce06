// What `train` and `finetune` share after building their run: run it with the Keras-style log, report the
// final validation as the assignment does, and save the model folder.

import Foundation
import EmotionReports
import EmotionTraining

/// Runs `run` with the progress log, prints `Test Accuracy: 0.551` (the last epoch's validation: same data,
/// same weights, so it is not computed again), and saves `model` with `config`, the history and its chart
/// into `output`.
func trainAndSave(
    _ run: TrainingRun, model: Sequential, config: () -> ModelConfig, output: String, console: Console
) throws(CLIError) {
    run.observers.append(TrainingProgress(console: console))
    try asInputError { try run.fit() }
    if let validation = run.lastValidation {
        console.print(String(format: "Test Accuracy: %.3f", validation.accuracy))
    } else {
        console.print("No validation images: no test accuracy.")
    }
    let config = config()
    let chart = TrainingCurveChart(history: run.history, title: config.architecture).svg
    do {
        try ModelStore.save(
            model, config: config, history: run.history,
            attachments: [ModelStore.historyChartFileName: Data(chart.utf8)], to: URL(fileURLWithPath: output))
    } catch {
        throw .failure("cannot save the model: \(error)")
    }
    console.print("Saved model to \(output)")
}

extension OptionSpec {
    static let cacheMemory = OptionSpec.value(
        "cache-memory", "size",
        help: "Memory for decoded images kept between epochs, e.g. 500MB or 4GB; 0 decodes every image every "
            + "epoch. Results are the same whatever the size.",
        default: MemorySize.defaultCacheBudget.description)
}

extension ParsedArguments {
    /// `--cache-memory`.
    func cacheMemory() throws(CLIError) -> MemorySize {
        let text = self.text("cache-memory")
        guard let size = MemorySize(parsing: text) else {
            throw .usage("'--cache-memory' expects a size such as 0, 500MB or 4GB, got '\(text)'")
        }
        return size
    }
}
