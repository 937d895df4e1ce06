// `emotion train`: trains a Task 1 CNN on a folder of class subfolders and saves the model folder.

import Foundation
import EmotionReports
import EmotionTraining

struct TrainCommand: Command {
    static let name = "train"
    static let abstract = "Train a Task 1 CNN on a folder of face photos and save the model."
    static let options: [OptionSpec] = [
        .value("model", "name", help: "Architecture: task1-small (100x100 input) or task1-large (224x224).",
               required: true),
        .data(),
        .epochs(),
        .batchSize(),
        .learningRate(),
        .validationSplit(),
        .seed(),
        .value("input-scale", "unit|raw",
               help: "Pixel scale fed to the model: unit divides by 255, raw feeds 0-255 as the assignment did.",
               default: "unit"),
        .value("class-names", "a,b,...",
               help: "Class subfolders to use, in this order (default: all subfolders, sorted)."),
        .value("output", "dir", help: "Model folder to write (default: Models/<model>).", kind: .directory),
    ]
    static let discussion = """
        Prints Keras's lines per epoch (a live progress bar on a terminal), then evaluates the validation set \
        and saves model.safetensors, config.json and history.csv into the output folder, replacing it only \
        once the new model is complete.
        """

    let settings: TrainingSettings
    let output: String

    init(_ arguments: ParsedArguments) throws(CLIError) {
        let architecture = arguments.text("model")
        try checkArchitecture(architecture)
        settings = try arguments.trainingSettings(
            architecture: architecture, inputScale: try arguments.choice(defaulted: "input-scale", as: InputScale.self),
            classNames: try arguments.list("class-names"))
        output = arguments.string("output") ?? "Models/\(architecture)"
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        try asInputError { try ModelStore.checkDestination(URL(fileURLWithPath: output)) }
        let folder = try openDataFolder(
            settings.data, validationSplit: settings.validationSplit, seed: settings.seed,
            classNames: settings.classNames)
        printFoundFiles(folder, console: console)

        let model = try asInputError {
            try ModelZoo.make(name: settings.architecture, classes: folder.classNames.count, seed: UInt64(settings.seed))
        }
        let preprocessing = Preprocessing(
            height: model.inputShape[0], width: model.inputShape[1], scale: settings.inputScale)
        let loader = ImageLoader(preprocessing: preprocessing)
        let training = loader.load(folder.training, warn: { console.log($0) })
        let validation = loader.load(folder.validation, warn: { console.log($0) })
        guard !training.labels.isEmpty else {
            throw .input("none of the \(folder.training.count) training files in \(settings.data) could be decoded")
        }

        let trainer = Trainer(
            model: model, learningRate: settings.learningRate, batchSize: settings.batchSize,
            seed: UInt64(settings.seed))
        var history = History()
        fitEpochs(
            trainer, training: (training.images, training.labels), validation: (validation.images, validation.labels),
            epochs: 1...settings.epochs, of: settings.epochs, classCount: folder.classNames.count,
            history: &history, console: console)

        if validation.labels.isEmpty {
            console.print("No validation images: skipping the evaluation.")
        } else {
            var progress = ProgressLine(
                target: trainer.steps(for: validation.labels.count), console: console)
            let evaluation = Trainer.evaluate(
                model, images: validation.images, labels: validation.labels,
                classCount: folder.classNames.count, batchSize: settings.batchSize
            ) { batch in
                progress.update(step: batch.step, metrics: [("accuracy", batch.accuracy), ("loss", batch.loss)])
            }
            progress.finish(metrics: [("accuracy", evaluation.accuracy), ("loss", evaluation.loss)])
            console.print(String(format: "Test Accuracy: %.3f", evaluation.accuracy))
        }

        let config = ModelConfig(
            architecture: settings.architecture, inputShape: model.inputShape, classNames: folder.classNames,
            preprocessing: preprocessing, training: settings)
        do {
            try ModelStore.save(
                model, config: config, history: history,
                attachments: [ModelStore.historyChartFileName: Data(TrainingCurveChart(history: history, title: config.architecture).svg.utf8)],
                to: URL(fileURLWithPath: output))
        } catch {
            throw .failure("cannot save the model: \(error)")
        }
        console.print("Saved model to \(output)")
        return ExitCode.success
    }
}

/// Keras's report of a listed data folder: "Found 1037 files belonging to 6 classes." and, with a
/// validation split, the files used for training and validation.
func printFoundFiles(_ folder: ImageFolder, console: Console) {
    console.print("Found \(folder.files.count) files belonging to \(folder.classNames.count) classes.")
    if folder.validationSplit > 0 {
        console.print("Using \(folder.training.count) files for training.")
        console.print("Using \(folder.validation.count) files for validation.")
    }
}

/// Throws a usage error unless `name` is an architecture `train` starts from scratch: the zoo's models
/// other than the pretrained backbones (those are for fine-tuning).
func checkArchitecture(_ name: String) throws(CLIError) {
    let trainable = ModelZoo.names.filter { ModelZoo.Backbone(rawValue: $0) == nil }
    guard trainable.contains(name) else {
        throw .usage("'--model' expects one of \(trainable.joined(separator: ", ")), got '\(name)'")
    }
}
