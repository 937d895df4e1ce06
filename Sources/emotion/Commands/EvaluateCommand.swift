// `emotion evaluate`: accuracy, loss, per-class precision/recall/F1 and the confusion matrix of a saved
// model on the split it was trained with (or all of a data folder), as text or one JSON object.

import Foundation
import EmotionReports
import EmotionTraining

struct EvaluateCommand: Command {
    static let name = "evaluate"
    static let abstract = "Evaluate a saved model: accuracy, loss, per-class metrics, confusion matrix."
    static let options: [OptionSpec] = [
        .value("model", "dir", help: "Model folder written by 'emotion train'.", required: true, kind: .directory),
        .value("data", "dir", help: "Data folder (default: the folder the model was trained on, from its config.json).", kind: .directory),
        .choice("subset", Subset.self,
                help: "Files to evaluate; validation and training recreate the model's training split exactly.",
                default: .validation),
        .choice("format", OutputFormat.self, help: "Output format; json prints one object on stdout.", default: .text),
        .value("min-accuracy", "x", help: "Exit with status 1 when the accuracy is below x."),
        .modelTestTimeAugmentation,
        .value("batch-size", "n",
               help: "Images per inference batch (default: the model's training batch size, which reproduces its "
                   + "validation loss exactly)."),
        .value("plot", "file", help: "Also write the confusion matrix as an SVG heat map to this file.", kind: .file),
    ]
    static let discussion = """
        Exit status: 0 on success, 1 when the accuracy is below --min-accuracy, 2 for usage or input errors \
        (no model, no data folder, classes that differ from the model's; a class folder without images is \
        fine, a test set may lack a class). Logs and warnings go to stderr. \
        JSON: {"model", "data", "subset", "count", "accuracy", "loss", "macro_f1", "balanced_accuracy" (the mean \
        recall over classes), "tta", "classes", "per_class": [{"class", "precision", "recall", "f1", "support"}], \
        "confusion_matrix" (rows are true classes), "skipped": [{"file", "reason"}]}. The loss is the plain \
        cross-entropy (no label smoothing or class weights).
        """

    let model: String
    let data: String?
    let subset: Subset
    let format: OutputFormat
    let minimumAccuracy: Double?
    let batchSize: Int?
    let plot: String?
    /// nil: the model's own.
    let tta: TestTimeAugmentation?

    init(_ arguments: ParsedArguments) throws(CLIError) {
        model = arguments.text("model")
        data = arguments.string("data")
        subset = try arguments.choice(defaulted: "subset", as: Subset.self)
        format = try arguments.choice(defaulted: "format", as: OutputFormat.self)
        minimumAccuracy = try arguments.double("min-accuracy", requirement: "a number")
        batchSize = try arguments.int("batch-size")
        plot = arguments.string("plot")
        tta = try arguments.choice("tta", as: TestTimeAugmentation.self)
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        let saved = try asInputError { try ModelStore.load(from: URL(fileURLWithPath: model)) }
        let config = saved.config
        let tta = self.tta ?? config.tta
        let dataPath = data ?? config.training.data
        let (files, listed) = try subsetFiles(of: config, data: data, subset: subset)
        console.log("Found \(listed) files belonging to \(config.classNames.count) classes; "
            + "evaluating \(files.count) (\(subset.rawValue)).")

        let (evaluation, skipped) = Evaluation.of(
            saved.model, files: files, preprocessing: config.preprocessing, classCount: config.classNames.count,
            batchSize: batchSize ?? config.training.batchSize, tta: tta, warn: { console.log($0) })
        guard evaluation.count > 0 else {
            throw .input("none of the \(files.count) files of the \(subset.rawValue) subset could be decoded")
        }

        if let plot {
            let chart = ConfusionMatrixChart(confusion: evaluation.confusion, classNames: config.classNames,
                                             title: "\(URL(fileURLWithPath: model).lastPathComponent) — \(subset.rawValue)")
            do {
                try DurableFiles.replace(URL(fileURLWithPath: plot), with: Data(chart.svg.utf8))
            } catch {
                throw .failure("\(error)")
            }
        }
        switch format {
        case .json:
            console.print(report(evaluation, classNames: config.classNames, data: dataPath, tta: tta, skipped: skipped)
                .rendered())
        case .text:
            console.write(textReport(evaluation, classNames: config.classNames, data: dataPath, tta: tta,
                                     skipped: skipped))
        }
        if let minimumAccuracy, evaluation.accuracy < minimumAccuracy {
            console.log("Accuracy \(ProgressLine.formatValue(evaluation.accuracy)) is below --min-accuracy "
                + "\(minimumAccuracy).")
            return ExitCode.failure
        }
        return ExitCode.success
    }

    private func report(
        _ evaluation: Evaluation, classNames: [String], data: String, tta: TestTimeAugmentation, skipped: [SkippedFile]
    ) -> JSON {
        let perClass = zip(classNames, evaluation.confusion.perClass).map { name, metrics in
            JSON.object([
                ("class", .string(name)), ("precision", .number(metrics.precision)), ("recall", .number(metrics.recall)),
                ("f1", .number(metrics.f1)), ("support", .int(metrics.support)),
            ])
        }
        return .object([
            ("model", .string(model)),
            ("data", .string(data)),
            ("subset", .string(subset.rawValue)),
            ("count", .int(evaluation.count)),
            ("accuracy", .number(evaluation.accuracy)),
            ("loss", .number(evaluation.loss)),
            ("macro_f1", .number(evaluation.confusion.macroF1)),
            ("balanced_accuracy", .number(evaluation.confusion.balancedAccuracy)),
            ("tta", .string(tta.rawValue)),
            ("classes", .array(classNames.map(JSON.string))),
            ("per_class", .array(perClass)),
            ("confusion_matrix", .array(evaluation.confusion.counts.map { .array($0.map(JSON.int)) })),
            ("skipped", skippedJSON(skipped)),
        ])
    }

    private func textReport(
        _ evaluation: Evaluation, classNames: [String], data: String, tta: TestTimeAugmentation, skipped: [SkippedFile]
    ) -> String {
        var text = """
            Model: \(model)
            Data: \(data) (\(subset.rawValue), \(evaluation.count) images\(tta == .none ? "" : ", \(tta.rawValue) TTA"))
            accuracy: \(ProgressLine.formatValue(evaluation.accuracy)) - loss: \(ProgressLine.formatValue(evaluation.loss)) - macro_f1: \(ProgressLine.formatValue(evaluation.confusion.macroF1)) - balanced_accuracy: \(ProgressLine.formatValue(evaluation.confusion.balancedAccuracy))


            """
        var metrics = TextTable(headers: ["class", "precision", "recall", "f1-score", "support"])
        for (name, classMetrics) in zip(classNames, evaluation.confusion.perClass) {
            metrics.append([
                name, String(format: "%.4f", classMetrics.precision), String(format: "%.4f", classMetrics.recall),
                String(format: "%.4f", classMetrics.f1), String(classMetrics.support),
            ])
        }
        text += metrics.rendered() + "\n"
        text += "Confusion matrix (rows: true class, columns: predicted class):\n"
        var matrix = TextTable(headers: ["true \\ predicted"] + classNames)
        for (name, row) in zip(classNames, evaluation.confusion.counts) {
            matrix.append([name] + row.map(String.init))
        }
        text += matrix.rendered()
        if !skipped.isEmpty {
            text += "\nSkipped files:\n" + skipped.map { "  \($0.file): \($0.reason)\n" }.joined()
        }
        return text
    }
}
