// `emotion compare`: the assignment's comparison table of saved models, as text or Markdown, and each
// model's training curves redrawn as history.svg.

import Foundation
import EmotionReports
import EmotionTraining

struct CompareCommand: Command {
    enum Format: String, CaseIterable {
        case text, markdown
    }

    static let name = "compare"
    static let abstract = "Compare saved models: shape, layers, parameters, accuracies, test loss, time per step."
    static let options: [OptionSpec] = [
        .choice("format", Format.self, help: "Table format.", default: .text),
        .value("data", "dir", help: "Data folder for the test evaluation (default: each model's own, from config.json).", kind: .directory),
    ]
    static let positional: PositionalSpec? = PositionalSpec(
        valueName: "DIR...", help: "Model folders written by 'emotion train' or 'emotion finetune'.", minimumCount: 1,
        kind: .directory)
    static let discussion = """
        Training and validation accuracy are the last epoch's in history.csv. Test accuracy and loss come from \
        evaluating each model on its validation subset (the split it was trained with), as 'emotion evaluate' \
        does; when that data folder is missing they are the last epoch's val_accuracy / val_loss and are marked \
        with *. Time per step is the mean epoch time in history.csv (validation included) divided by the \
        training steps per epoch. Also writes history.svg (accuracy and loss per epoch) into each model folder.
        """

    let folders: [String]
    let format: Format
    let data: String?

    init(_ arguments: ParsedArguments) throws(CLIError) {
        folders = arguments.positionals
        format = try arguments.choice(defaulted: "format", as: Format.self)
        data = arguments.string("data")
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        var rows: [ModelComparisonRow] = []
        for path in folders {
            rows.append(try row(for: path, console: console))
        }
        switch format {
        case .markdown:
            console.write(ModelComparison.markdown(rows))
        case .text:
            var table = TextTable(headers: ModelComparison.headers)
            for row in rows { table.append(ModelComparison.cells(row)) }
            console.write(table.rendered())
            if rows.contains(where: { $0.testSource == .history }) {
                console.print("* from history.csv: the model's data folder was not found, so it was not evaluated.")
            }
        }
        return ExitCode.success
    }

    /// Loads, evaluates and charts one model folder.
    private func row(for path: String, console: Console) throws(CLIError) -> ModelComparisonRow {
        let url = URL(fileURLWithPath: path)
        let saved = try asInputError { try ModelStore.load(from: url) }
        let history = try asInputError { try ModelStore.loadHistory(from: url) }
        let config = saved.config
        let chart = TrainingCurveChart(history: history, title: url.lastPathComponent).svg
        do {
            try Data(chart.utf8).write(to: url.appendingPathComponent(ModelStore.historyChartFileName), options: .atomic)
        } catch {
            throw .failure("cannot write \(ModelStore.historyChartFileName) into \(path): \(error)")
        }

        // A data folder that is gone or changed leaves the history's figures as the test figures.
        let validation = try? subsetFiles(of: config, data: data, subset: .validation).files
        var test: Evaluation?
        if let validation, !validation.isEmpty {
            console.log("Evaluating \(path) on \(validation.count) validation files...")
            let evaluation = Evaluation.of(
                saved.model, files: validation, preprocessing: config.preprocessing,
                classCount: config.classNames.count, batchSize: config.training.batchSize, tta: config.tta,
                warn: { console.log($0) }
            ).evaluation
            if evaluation.count > 0 { test = evaluation }
        }
        let trainingCount = try? subsetFiles(of: config, data: data, subset: .training).files.count
        return ModelComparisonRow(
            name: url.lastPathComponent, model: saved.model, config: config, history: history, test: test,
            trainingImageCount: trainingCount)
    }
}
