// `emotion finetune`: Task 2 transfer learning — a pretrained EfficientNet backbone with the assignment's
// head, trained first on cached frozen-backbone features, then optionally with the top of the backbone
// unfrozen at a lower rate; saves a model folder that `evaluate` and `predict` read like a Task 1 one.

import Foundation
import EmotionNN
import EmotionReports
import EmotionTraining

struct FinetuneCommand: Command {
    static let name = "finetune"
    static let abstract = "Train the Task 2 head on a pretrained EfficientNet backbone, then optionally fine-tune it."
    static let options: [OptionSpec] = [
        .choice("backbone", ModelZoo.Backbone.self, help: "Pretrained backbone.", required: true),
        .value("weights", "file", help: "timm safetensors weights of the backbone (e.g. efficientnet_lite0.safetensors).",
               required: true, kind: .file),
        .data(),
        .epochs(help: "Head epochs on the frozen backbone's cached features."),
        .value("image-size", "n", help: "Square input size the images are resized to.", default: "224"),
        .value("unfreeze", "none|N|all",
               help: "Backbone units (head conv, then blocks downwards) to unfreeze after the head epochs.",
               default: "none"),
        .value("fine-tune-epochs", "n", help: "Epochs with the backbone partly unfrozen (on images).", default: "10"),
        .learningRate(help: "Adam learning rate of the head epochs."),
        .value("fine-tune-learning-rate", "rate", help: "Adam learning rate of the fine-tuning epochs.",
               default: "0.00001"),
        .choice("augment", Augmentation.self,
                help: "Training augmentation: flip shows each image mirrored left to right in half of the epochs.",
                default: Augmentation.none),
        .batchSize(),
        .validationSplit(help: "Fraction of the files held out for validation, split as Keras does (and as train does)."),
        .seed(help: "Seed of the split, head initialisation, shuffles and dropout."),
        .value("output", "dir", help: "Model folder to write (default: Models/<backbone>).", kind: .directory),
    ]
    static let discussion = """
        Images are fed as v/127.5 - 1. With the backbone frozen, its pooled features are computed once per image \
        (training and validation) and the head trains on them, so head epochs take seconds. With --unfreeze, the \
        top units then train at --fine-tune-learning-rate (batch norms stay on their ImageNet statistics) on the \
        activations entering them, which the frozen units below computed in that same single pass. With \
        --augment flip, that pass also runs on the mirrored training images and every epoch shows each image \
        in one of its two views at random. Prints Keras's lines per epoch, evaluates the validation set, and saves model.safetensors, \
        config.json, history.csv and history.svg. Exit status 2 for usage or input errors (missing or \
        unreadable weights file, weights that do not fit the backbone, no data folder).
        """

    let backbone: ModelZoo.Backbone
    let settings: TrainingSettings
    let fineTuning: FineTuneSettings
    let output: String

    init(_ arguments: ParsedArguments) throws(CLIError) {
        let backbone = try arguments.choice(defaulted: "backbone", as: ModelZoo.Backbone.self)
        self.backbone = backbone
        let unfreezeText = arguments.text("unfreeze")
        guard let unfreeze = UnfreezeChoice(argument: unfreezeText) else {
            throw .usage("'--unfreeze' expects none, all or a positive number of backbone units, got '\(unfreezeText)'")
        }
        let imageSize = try arguments.int(defaulted: "image-size", in: 32...1024)
        settings = try arguments.trainingSettings(architecture: backbone.rawValue, inputScale: .symmetric, classNames: nil)
        fineTuning = FineTuneSettings(
            weights: arguments.text("weights"), imageSize: imageSize, unfreeze: unfreeze,
            fineTuneEpochs: try arguments.int(defaulted: "fine-tune-epochs"),
            fineTuneLearningRate: try arguments.double(defaulted: "fine-tune-learning-rate", requirement: "a number greater than 0") { $0 > 0 },
            augmentation: try arguments.choice(defaulted: "augment", as: Augmentation.self))
        output = arguments.string("output") ?? "Models/\(backbone.rawValue)"
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        let weights = URL(fileURLWithPath: fineTuning.weights)
        guard FileManager.default.isReadableFile(atPath: weights.path) else {
            throw .input("the weights file \(weights.path) does not exist or cannot be read (pass the backbone's "
                + "timm safetensors with --weights)")
        }
        try asInputError { try ModelStore.checkDestination(URL(fileURLWithPath: output)) }
        let folder = try openDataFolder(
            settings.data, validationSplit: settings.validationSplit, seed: settings.seed, classNames: nil)
        printFoundFiles(folder, console: console)
        let classCount = folder.classNames.count

        let classifier = ModelZoo.makeBackboneClassifier(
            backbone: backbone, classes: classCount, seed: UInt64(settings.seed), imageSize: fineTuning.imageSize)
        let report = try asInputError("cannot load the backbone weights from \(weights.path)") {
            try classifier.loadBackboneWeights(from: weights, strict: false)
        }
        console.print("Loaded \(report.loaded.count) backbone tensors from \(weights.path).")
        for (kind, names) in [("missing", report.missing), ("unexpected", report.unexpected),
                              ("wrongly shaped", report.mismatched.map { "\($0.name) \($0.expected) vs \($0.found)" })]
            where !names.isEmpty {
            console.print("  \(names.count) \(kind): \(names.joined(separator: ", "))")
        }
        guard report.missing.isEmpty, report.mismatched.isEmpty else {
            throw .input("\(weights.path) does not hold the \(backbone.rawValue) backbone (see the tensors listed above)")
        }

        let preprocessing = Preprocessing(
            height: fineTuning.imageSize, width: fineTuning.imageSize, scale: settings.inputScale)
        let loader = ImageLoader(preprocessing: preprocessing)
        let training = loader.load(folder.training, warn: { console.log($0) })
        let validation = loader.load(folder.validation, warn: { console.log($0) })
        guard !training.labels.isEmpty else {
            throw .input("none of the \(folder.training.count) training files in \(settings.data) could be decoded")
        }

        // The frozen backbone runs once per image (inference mode, so its output never changes). Phase 1
        // trains the head on its pooled features; phase 2, if asked, trains the top units unfrozen at the
        // lower rate on the activations entering the units it runs, also computed in that one pass.
        classifier.freezeBackbone()
        let unfrozen = fineTuning.unfreeze.topUnits.map { min($0 ?? classifier.backboneUnitCount, classifier.backboneUnitCount) }
        let unitsPerStep = unfrozen.map { classifier.unitsRunPerStep(unfreezing: $0) }
        let trainingCache = FrozenBackboneCache(
            classifier, images: training.images, labels: training.labels, unitsPerStep: unitsPerStep,
            augmentation: fineTuning.augmentation ?? .none, batchSize: settings.batchSize)
        let validationCache = FrozenBackboneCache(
            classifier, images: validation.images, labels: validation.labels, unitsPerStep: unitsPerStep,
            batchSize: settings.batchSize)
        let featureSeconds = trainingCache.seconds + validationCache.seconds
        let featureCount = trainingCache.views * training.labels.count + validation.labels.count
        console.print(String(
            format: "Extracted %d x %d backbone features in %.1fs (%.1f images/s)%@.",
            featureCount, classifier.backbone.featureCount, featureSeconds,
            Double(featureCount) / max(featureSeconds, 1e-9),
            trainingCache.views > 1 ? ", training images also mirrored" : ""))

        let totalEpochs = settings.epochs + (unfrozen == nil ? 0 : fineTuning.fineTuneEpochs)
        var history = History()
        let headTrainer = Trainer(
            model: classifier.head, learningRate: settings.learningRate, batchSize: settings.batchSize,
            seed: UInt64(settings.seed))
        fitEpochs(headTrainer, training: (trainingCache.features, training.labels), views: trainingCache.views,
            validation: (validationCache.features, validation.labels), epochs: 1...settings.epochs,
            of: totalEpochs, classCount: classCount, history: &history, console: console)

        var final = (model: classifier.head, images: validationCache.features)
        if let unfrozen, let unitsPerStep, let trainingInputs = trainingCache.entering,
           let validationInputs = validationCache.entering {
            classifier.unfreezeBackbone(topUnits: unfrozen)
            let tail = classifier.tail(topUnits: unitsPerStep)
            console.print("Fine-tuning the top \(unfrozen) of \(classifier.backboneUnitCount) backbone units "
                + "(\(classifier.model.trainableParameterCount) trainable parameters) on "
                + (unitsPerStep < classifier.backboneUnitCount ? "the cached \(tail.inputShape) activations entering them."
                                                                : "the images."))
            let trainer = Trainer(
                model: tail, learningRate: fineTuning.fineTuneLearningRate,
                batchSize: settings.batchSize, seed: UInt64(settings.seed) &+ 1)
            fitEpochs(trainer, training: (trainingInputs, training.labels), views: trainingCache.views,
                validation: (validationInputs, validation.labels),
                epochs: (settings.epochs + 1)...totalEpochs, of: totalEpochs, classCount: classCount,
                history: &history, console: console)
            final = (tail, validationInputs)
        }
        let validationLabels = validation.labels

        if validationLabels.isEmpty {
            console.print("No validation images: skipping the evaluation.")
        } else {
            var progress = ProgressLine(
                target: headTrainer.steps(for: validationLabels.count), console: console)
            let evaluation = Trainer.evaluate(
                final.model, images: final.images, labels: validationLabels, classCount: classCount,
                batchSize: settings.batchSize
            ) { batch in
                progress.update(step: batch.step, metrics: [("accuracy", batch.accuracy), ("loss", batch.loss)])
            }
            progress.finish(metrics: [("accuracy", evaluation.accuracy), ("loss", evaluation.loss)])
            console.print(String(format: "Test Accuracy: %.3f", evaluation.accuracy))
        }

        let config = ModelConfig(
            architecture: backbone.rawValue, inputShape: [fineTuning.imageSize, fineTuning.imageSize, 3],
            classNames: folder.classNames, preprocessing: preprocessing, training: settings, fineTuning: fineTuning)
        do {
            try ModelStore.save(
                classifier.model, config: config, history: history,
                attachments: [ModelStore.historyChartFileName: Data(TrainingCurveChart(history: history, title: config.architecture).svg.utf8)],
                to: URL(fileURLWithPath: output))
        } catch {
            throw .failure("cannot save the model: \(error)")
        }
        console.print("Saved model to \(output)")
        return ExitCode.success
    }
}
