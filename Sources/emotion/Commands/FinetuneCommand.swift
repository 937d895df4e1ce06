// `emotion finetune`: Task 2 transfer learning — a pretrained EfficientNet backbone with the assignment's
// head, trained first on cached frozen-backbone features, then optionally with the top of the backbone
// unfrozen at a lower rate; saves a model folder that `evaluate` and `predict` read like a Task 1 one.

import Foundation
import EmotionTraining

struct FinetuneCommand: Command {
    static let name = "finetune"
    static let abstract = "Train the Task 2 head on a pretrained EfficientNet backbone, then optionally fine-tune it."
    static let options: [OptionSpec] = [
        .choice("backbone", ModelZoo.Backbone.self, help: "Pretrained backbone.", required: true),
        .value("weights", "file", help: "timm safetensors weights of the backbone (e.g. efficientnet_lite0.safetensors).",
               required: true, kind: .file),
        .data(),
        .value("epochs", "n", help: "Head epochs on the frozen backbone's cached features.",
               default: String(FineTuneSettings.Defaults.epochs)),
        .value("image-size", "n", help: "Square input size the images are resized to.",
               default: String(FineTuneSettings.Defaults.imageSize)),
        .value("unfreeze", "none|N|all",
               help: "Backbone units (head conv, then blocks downwards) to unfreeze after the head epochs.",
               default: FineTuneSettings.Defaults.unfreeze.description),
        .value("fine-tune-epochs", "n", help: "Epochs with the top units unfrozen.",
               default: String(FineTuneSettings.Defaults.fineTuneEpochs)),
        .value("learning-rate", "rate", help: "Adam learning rate of the head epochs.",
               default: String(FineTuneSettings.Defaults.learningRate)),
        .value("fine-tune-learning-rate", "rate", help: "Adam learning rate of the fine-tuning epochs.",
               default: String(FineTuneSettings.Defaults.fineTuneLearningRate)),
        .value("augment-views", "n",
               help: "With --augment: views of each training image the frozen backbone computes once (the image, its "
                   + "mirror, further augmented draws); each epoch trains on one per image (default: 2 when the "
                   + "augmentation only flips, else 4)."),
        .batchSize(),
        .validationSplit(help: "Fraction of the files held out for validation, split as Keras does (and as train does)."),
        .validationData,
        .seed(help: "Seed of the split, head initialisation, shuffles and dropout."),
        .value("output", "dir", help: "Model folder to write (default: Models/<backbone>).", kind: .directory),
        .resume,
        .keepCheckpoint,
    ] + OptionSpec.recipeOptions(defaults: FineTuneSettings.Defaults.recipe)
    static let discussion = """
        With no other option this is the best recipe measured on faces6 (see the README): 350x350 images, the \
        head on the frozen backbone, then the whole backbone at 1e-4, with flipped and (half of them) greyed \
        views, a cosine decay in each phase, label smoothing 0.1 and balanced class weights. '--unfreeze 6' (the \
        top 6 units only) takes under a third of the time and half the memory, for 1.6 points less on faces6's \
        split. '--image-size 224 \
        --unfreeze none --augment none --lr-schedule constant --label-smoothing 0 --class-weight none' is the \
        assignment's head-only recipe. \
        Images are fed as v/127.5 - 1. With the backbone frozen, its pooled features are computed once per image \
        (training and validation) and the head trains on them, so head epochs take seconds. With --unfreeze, the \
        top units then train at --fine-tune-learning-rate (batch norms stay on their ImageNet statistics) on the \
        activations entering them, which the frozen units below computed in that same single pass, or, when \
        those are larger than the images (--unfreeze all), on the images, streamed from the files again. With \
        --augment, that pass also runs on --augment-views views of each training image (its mirror, further \
        augmented draws) and every epoch shows each image in one of its views at random. Prints Keras's lines \
        per epoch, evaluates the validation set, and saves model.safetensors, config.json, history.csv and \
        history.svg. Exit status 2 for usage or input errors (missing or unreadable weights file, weights that \
        do not fit the backbone, no data folder).
        """

    let backbone: ModelZoo.Backbone
    let settings: TrainingSettings
    let fineTuning: FineTuneSettings
    let output: String
    let checkpoints: CheckpointOptions

    init(_ arguments: ParsedArguments) throws(CLIError) {
        let backbone = try arguments.choice(defaulted: "backbone", as: ModelZoo.Backbone.self)
        self.backbone = backbone
        let unfreezeText = arguments.text("unfreeze")
        guard let unfreeze = UnfreezeChoice(argument: unfreezeText) else {
            throw .usage("'--unfreeze' expects none, all or a positive number of backbone units, got '\(unfreezeText)'")
        }
        let imageSize = try arguments.int(defaulted: "image-size", in: 32...1024)
        settings = try arguments.trainingSettings(
            architecture: backbone.rawValue, inputScale: .symmetric, classNames: nil, recipe: FineTuneSettings.Defaults.recipe)
        fineTuning = FineTuneSettings(
            weights: arguments.text("weights"), imageSize: imageSize, unfreeze: unfreeze,
            fineTuneEpochs: try arguments.int(defaulted: "fine-tune-epochs"),
            fineTuneLearningRate: try arguments.double(defaulted: "fine-tune-learning-rate", requirement: "a number greater than 0") { $0 > 0 },
            augmentViews: try arguments.int("augment-views", in: 2...64))
        output = arguments.string("output") ?? "Models/\(backbone.rawValue)"
        checkpoints = arguments.checkpointOptions(command: Self.name)
        if fineTuning.augmentViews != nil && settings.effectiveRecipe.augment.isNone {
            throw .usage("'--augment-views' goes with '--augment'")
        }
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        let weights = URL(fileURLWithPath: fineTuning.weights)
        guard FileManager.default.isReadableFile(atPath: weights.path) else {
            throw .input("the weights file \(weights.path) does not exist or cannot be read (pass the backbone's "
                + "timm safetensors with --weights)")
        }
        try asInputError { try ModelStore.checkDestination(URL(fileURLWithPath: output)) }
        let data = try openTrainingData(settings, console: console)

        let job = try asInputError("cannot load the backbone weights from \(weights.path)") {
            try TransferLearning(
                backbone: backbone, settings: settings, fineTuning: fineTuning, data: data,
                images: ImagePipelineOptions(warn: { console.log($0) }))
        }
        console.print("Loaded \(job.weightReport.loaded.count) backbone tensors from \(weights.path).")
        if !job.weightReport.unexpected.isEmpty {
            console.print("  \(job.weightReport.unexpected.count) unexpected: \(job.weightReport.unexpected.joined(separator: ", "))")
        }

        let interruption = Interruption()
        let signals = InterruptSignals(interruption: interruption, console: console)
        defer { withExtendedLifetime(signals) {} }
        var progress: ProgressLine?
        let run: TrainingRun, frozenPass: TransferLearning.FrozenPass
        do {
            (run, frozenPass) = try job.makeRun(interruption: interruption) { done, total in
                if progress == nil { progress = ProgressLine(target: total, console: console) }
                progress?.update(step: done, metrics: [])
            }
        } catch let interrupted as TrainingInterrupted {
            return report(interrupted, options: checkpoints, console: console)
        } catch {
            throw .input("\(error)")
        }
        if console.isTerminal { console.write("\r\u{1B}[K") }
        console.print(String(
            format: "Extracted %d x %d backbone features in %.1fs (%.1f images/s)%@.",
            frozenPass.imageCount, job.classifier.backbone.featureCount, frozenPass.seconds,
            Double(frozenPass.imageCount) / max(frozenPass.seconds, 1e-9),
            frozenPass.views > 1 ? ", \(frozenPass.views) views of each training image" : ""))
        let identity = try asInputError { try job.identity() }
        try prepareCheckpoints(run, identity: identity, output: output, options: checkpoints, console: console)
        return try trainAndSave(
            run, model: job.model, config: { job.config }, validation: data.validation, output: output,
            options: checkpoints, interruption: interruption, console: console)
    }
}
