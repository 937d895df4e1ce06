// `emotion train`: trains a Task 1 CNN on a folder of class subfolders and saves the model folder.

import Foundation
import EmotionTraining

struct TrainCommand: Command {
    static let name = "train"
    static let abstract = "Train a Task 1 CNN on a folder of face photos and save the model."
    static let options: [OptionSpec] = [
        .value("model", "name", help: "Architecture: task1-small (100x100 input) or task1-large (224x224).",
               required: true, kind: .choice(trainableArchitectures)),
        .data(),
        .epochs(),
        .batchSize(),
        .learningRate(),
        .validationSplit(),
        .validationData,
        .seed(),
        .value("input-scale", "unit|raw",
               help: "Pixel scale fed to the model: unit divides by 255, raw feeds 0-255 as the assignment did.",
               default: "unit", kind: .choice([InputScale.unit.rawValue, InputScale.raw.rawValue])),
        .value("class-names", "a,b,...",
               help: "Class subfolders to use, in this order (default: all subfolders, sorted)."),
        .value("output", "dir", help: "Model folder to write (default: Models/<model>).", kind: .directory),
        .cacheMemory,
        .resume,
        .keepCheckpoint,
    ] + OptionSpec.recipeOptions(defaults: .assignment)
    static let discussion = """
        Images are decoded from disk batch by batch on worker threads, a few batches ahead of training; up to \
        --cache-memory of them are kept for later epochs. Prints Keras's lines per epoch (a live progress bar \
        on a terminal), then the last epoch's validation accuracy as 'Test Accuracy', and saves \
        model.safetensors, config.json, history.csv and history.svg into the output folder, replacing it only \
        once the new model is complete.
        """

    let settings: TrainingSettings
    let cacheMemory: MemorySize
    let output: String
    let checkpoints: CheckpointOptions

    init(_ arguments: ParsedArguments) throws(CLIError) {
        let architecture = arguments.text("model")
        try checkArchitecture(architecture)
        settings = try arguments.trainingSettings(
            architecture: architecture, inputScale: try arguments.choice(defaulted: "input-scale", as: InputScale.self),
            classNames: try arguments.list("class-names"), recipe: .assignment)
        cacheMemory = try arguments.cacheMemory()
        output = arguments.string("output") ?? "Models/\(architecture)"
        checkpoints = arguments.checkpointOptions(command: Self.name)
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        try asInputError { try ModelStore.checkDestination(URL(fileURLWithPath: output)) }
        let data = try openTrainingData(settings, console: console)
        let job = try asInputError {
            try ScratchTraining(
                settings: settings, data: data,
                images: ImagePipelineOptions(cacheBudget: cacheMemory, warn: { console.log($0) }))
        }
        let identity = try asInputError { try job.identity() }
        try prepareCheckpoints(job.run, identity: identity, output: output, options: checkpoints, console: console)
        let interruption = Interruption()
        let signals = InterruptSignals(interruption: interruption, console: console)
        defer { withExtendedLifetime(signals) {} }
        return try trainAndSave(
            job.run, model: job.model, config: { job.config }, validation: data.validation, output: output,
            options: checkpoints, interruption: interruption, console: console)
    }
}

/// Throws a usage error unless `name` is an architecture `train` starts from scratch: the zoo's models
/// other than the pretrained backbones (those are for fine-tuning).
/// The architectures `train` builds from scratch (the zoo's names that are not pretrained backbones).
let trainableArchitectures = ModelZoo.names.filter { ModelZoo.Backbone(rawValue: $0) == nil }

func checkArchitecture(_ name: String) throws(CLIError) {
    guard trainableArchitectures.contains(name) else {
        throw .usage("'--model' expects one of \(trainableArchitectures.joined(separator: ", ")), got '\(name)'")
    }
}
