// What `emotion finetune` does, as a library call (Task 2): a pretrained backbone with the assignment's head,
// trained in two phases of one run.
//
// With the backbone frozen its output never changes, so the images stream through it once (per view): the
// pooled features it produces are what phase 1 trains the head on, in seconds per epoch. Phase 2, when
// units are unfrozen, trains the top units and the head at a lower rate on the activations entering those
// units, computed in the same single pass by the frozen units below; when those activations would be larger
// than the images, it trains on the images themselves, streamed from the files again each epoch rather than
// held (decoding is a small part of a step through the whole backbone). Batch norms stay on their ImageNet
// statistics throughout.
//
// Augmentation with a frozen part means running that part on every augmented image. Rather than run it
// every epoch, the pass computes a fixed number of views of each training image once (the image, its mirror,
// then further random draws of the recipe's augmentation, alternately mirrored), and every epoch trains on
// one of them per image, drawn at random: K views cost K frozen passes once, and K times the cached memory
// (streamed images are transformed into the drawn view as they are loaded).

import Foundation

/// Why a transfer-learning job cannot start.
public enum TransferLearningError: Error, CustomStringConvertible {
    /// The weights file does not hold the backbone: the report names what is missing or misshapen.
    case weightsDoNotFit(path: String, backbone: String, report: WeightLoadReport)

    public var description: String {
        switch self {
        case .weightsDoNotFit(let path, let backbone, let report):
            let missing = report.missing.prefix(5).joined(separator: ", ")
            let misshapen = report.mismatched.prefix(5).map { "\($0.name) \($0.expected) vs \($0.found)" }
                .joined(separator: ", ")
            return "\(path) does not hold the \(backbone) backbone: \(report.missing.count) tensors missing"
                + (missing.isEmpty ? "" : " (\(missing)\(report.missing.count > 5 ? ", ..." : ""))")
                + ", \(report.mismatched.count) wrongly shaped" + (misshapen.isEmpty ? "" : " (\(misshapen))")
        }
    }
}

public final class TransferLearning {
    public let settings: TrainingSettings
    public let fineTuning: FineTuneSettings
    public let data: TrainingData
    public let classifier: BackboneClassifier
    /// What loading the pretrained weights found (classifier tensors of the file are ignored).
    public let weightReport: WeightLoadReport
    public let preprocessing: Preprocessing
    private let images: ImagePipelineOptions

    /// Builds the classifier for the data's classes and loads the pretrained backbone from
    /// `fineTuning.weights`; throws `TransferLearningError.weightsDoNotFit` when it does not hold the backbone.
    public init(
        backbone: ModelZoo.Backbone, settings: TrainingSettings, fineTuning: FineTuneSettings, data: TrainingData,
        images: ImagePipelineOptions
    ) throws {
        self.settings = settings
        self.fineTuning = fineTuning
        self.data = data
        self.images = images
        classifier = ModelZoo.makeBackboneClassifier(
            backbone: backbone, classes: data.classNames.count, seed: UInt64(settings.seed),
            imageSize: fineTuning.imageSize)
        let weights = URL(fileURLWithPath: fineTuning.weights)
        weightReport = try classifier.loadBackboneWeights(from: weights, strict: false)
        guard weightReport.missing.isEmpty, weightReport.mismatched.isEmpty else {
            throw TransferLearningError.weightsDoNotFit(path: weights.path, backbone: backbone.rawValue, report: weightReport)
        }
        preprocessing = Preprocessing(height: fineTuning.imageSize, width: fineTuning.imageSize, scale: settings.inputScale)
    }

    /// The model the job trains and saves: backbone + head.
    public var model: Sequential { classifier.model }

    /// Backbone units the fine-tuning phase unfreezes, or nil for head-only training.
    public var unfrozenUnits: Int? {
        fineTuning.unfreeze.topUnits.map { min($0 ?? classifier.backboneUnitCount, classifier.backboneUnitCount) }
    }

    /// Epochs of both phases.
    public var totalEpochs: Int { settings.epochs + (unfrozenUnits == nil ? 0 : fineTuning.fineTuneEpochs) }

    /// What identifies the run in a checkpoint: its settings and files.
    public func identity() throws -> RunIdentity {
        try RunIdentity(config: config, files: data.training + data.validation)
    }

    /// What config.json records.
    public var config: ModelConfig {
        ModelConfig(
            architecture: classifier.backboneName, inputShape: [fineTuning.imageSize, fineTuning.imageSize, 3],
            classNames: data.classNames, preprocessing: preprocessing, training: settings, fineTuning: fineTuning)
    }

    /// The frozen pass's figures.
    public struct FrozenPass: Sendable {
        /// Images run through the frozen backbone (every view of the training images, and the validation images).
        public let imageCount: Int
        public let seconds: Double
        /// Views of each training image (2 with `--augment flip`).
        public let views: Int
    }

    /// Runs the frozen backbone once over every view of the training images and over the validation images
    /// (`progress(done, total)` after each batch), and returns that pass's figures and the run: phase 1, the
    /// head on the pooled features; phase 2 (when units are unfrozen), the top units and the head. Throws
    /// `TrainingInterrupted` (with no checkpoint: the pass is redone on resume) when `interruption` asks.
    public func makeRun(
        interruption: Interruption? = nil, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> (run: TrainingRun, frozenPass: FrozenPass) {
        let start = Date()
        classifier.freezeBackbone()
        let unitsPerStep = unfrozenUnits.map { classifier.unitsRunPerStep(unfreezing: $0) }
        // Activations entering the whole backbone are the images: those are streamed, not cached.
        let cachedUnits = unitsPerStep == classifier.backboneUnitCount ? nil : unitsPerStep
        let loader = ImageLoader(preprocessing: preprocessing, cache: ImageCache(budget: MemorySize(bytes: 0)), warn: images.warn)
        let views = viewCount
        let total = views * data.training.count + data.validation.count
        var done = 0
        let report = { (count: Int) throws in
            if let signal = interruption?.signal {
                throw TrainingInterrupted(
                    signal: signal, epoch: nil, totalEpochs: self.totalEpochs, step: 0, steps: 0, checkpoint: nil)
            }
            done += count
            progress(done, total)
        }
        let training = try frozenOutputs(of: data.training, views: views, unitsPerStep: cachedUnits, loader: loader, progress: report)
        let validation = try frozenOutputs(of: data.validation, views: 1, unitsPerStep: cachedUnits, loader: loader, progress: report)
        guard !training.labels.isEmpty else { throw TrainingError.noUsableTrainingImages(count: data.training.count) }

        let seed = UInt64(settings.seed)
        func source(_ rows: Tensor, _ outputs: FrozenOutputs, phase: Int) -> BatchSource {
            TensorRowSource(rows: rows, labels: outputs.labels, views: outputs.views, seed: seed &+ UInt64(phase))
        }
        let recipe = settings.effectiveRecipe
        let counts = (0..<data.classNames.count).map { label in training.labels.filter { $0 == label }.count }
        var phases = [TrainingRun.Phase(
            description: "", model: classifier.head, training: source(training.features, training, phase: 0),
            validation: validation.labels.isEmpty ? nil : source(validation.features, validation, phase: 0),
            epochs: settings.epochs, learningRate: settings.learningRate, weightDecay: recipe.weightDecay,
            trainingLoss: recipe.trainingLoss(classCounts: counts), validationLoss: recipe.validationLoss,
            mixup: recipe.mixup)]
        if let unfrozen = unfrozenUnits, let unitsPerStep {
            let tail = classifier.tail(topUnits: unitsPerStep)
            let trainingSource: BatchSource, validationSource: BatchSource, what: String
            if let trainingInputs = training.entering, let validationInputs = validation.entering {
                trainingSource = source(trainingInputs, training, phase: 1)
                validationSource = source(validationInputs, validation, phase: 1)
                what = "the cached \(tail.inputShape) activations entering them"
            } else {
                let streamed = ImageLoader(
                    preprocessing: preprocessing, cache: ImageCache(budget: images.cacheBudget), warn: images.warn)
                trainingSource = ImageViewSource(
                    files: data.training, positions: training.positions, loader: streamed,
                    transforms: (0..<views).map(viewTransform), seed: seed &+ 1)
                validationSource = ImageViewSource(
                    files: data.validation, positions: validation.positions, loader: streamed, transforms: [nil],
                    seed: seed &+ 1)
                what = "the images, streamed from their files"
            }
            classifier.unfreezeBackbone(topUnits: unfrozen)
            let trainable = classifier.model.trainableParameterCount
            classifier.freezeBackbone()
            phases.append(TrainingRun.Phase(
                description: "Fine-tuning the top \(unfrozen) of \(classifier.backboneUnitCount) backbone units "
                    + "(\(trainable) trainable parameters) on \(what).",
                model: tail, training: trainingSource,
                validation: validation.labels.isEmpty ? nil : validationSource,
                epochs: fineTuning.fineTuneEpochs, learningRate: fineTuning.fineTuneLearningRate,
                weightDecay: recipe.weightDecay, trainingLoss: recipe.trainingLoss(classCounts: counts),
                validationLoss: recipe.validationLoss, mixup: recipe.mixup,
                prepare: { [classifier] in classifier.unfreezeBackbone(topUnits: unfrozen) }))
        }
        let run = TrainingRun(
            model: classifier.model, phases: phases, batchSize: settings.batchSize, seed: seed,
            classCount: data.classNames.count)
        run.observers = recipe.observers(model: classifier.model)
        return (run, FrozenPass(imageCount: total, seconds: Date().timeIntervalSince(start), views: views))
    }

    /// Views of each training image the frozen pass computes: 1 without augmentation; with it, `augmentViews`,
    /// by default 2 (the image and its mirror) when the augmentation only flips, else 4.
    public var viewCount: Int {
        let augmentation = settings.effectiveRecipe.augment
        guard !augmentation.isNone else { return 1 }
        return fineTuning.augmentViews ?? (augmentation.withoutFlip.isNone ? 2 : 4)
    }

    /// How view `view` of a training image is made from the resized image: view 0 as it is; view v > 0
    /// mirrored when v is odd (if the augmentation flips) and then transformed by the augmentation's other
    /// ops, drawn from the sample's own random stream for "epoch" v.
    func viewTransform(_ view: Int) -> ImageViewSource.ViewTransform? {
        guard view > 0 else { return nil }
        let augmentation = settings.effectiveRecipe.augment
        let others = augmentation.withoutFlip
        let mirror = augmentation.flip != nil && view % 2 == 1
        let (height, width, seed) = (preprocessing.height, preprocessing.width, UInt64(settings.seed))
        return { sample, pixels in
            if mirror { mirrorLeftToRight(pixels, height: height, width: width, channels: 3) }
            if !others.isNone {
                others.apply(to: pixels, height: height, width: width, channels: 3, seed: seed, epoch: view, sample: sample)
            }
        }
    }

    /// The frozen backbone's outputs for `files`: pooled features and, with `unitsPerStep`, the activations
    /// entering the top units; `views` views of each usable file (sample i at `positions[i]` in `files`),
    /// view v of sample i in row v·n + i.
    private struct FrozenOutputs {
        let features: Tensor
        let entering: Tensor?
        let positions: [Int]
        let labels: [Int32]
        let views: Int
    }

    private func frozenOutputs(
        of files: [LabeledFile], views: Int, unitsPerStep: Int?, loader: ImageLoader, progress: (Int) throws -> Void
    ) throws -> FrozenOutputs {
        let featureShape = [1, 1, classifier.backbone.featureCount]
        let enteringShape = unitsPerStep.map { classifier.tail(topUnits: $0).inputShape }
        var features = Tensor(uninitializedShape: [views * files.count] + featureShape)
        var entering = enteringShape.map { Tensor(uninitializedShape: [views * files.count] + $0) }
        var usable = Set<Int>()
        for view in 0..<views {
            for batch in loader.batches(of: files, batchSize: settings.batchSize, augment: viewTransform(view)) {
                let rows = batch.positions.map { view * files.count + $0 }
                if !rows.isEmpty {
                    let input = Variable(batch.inputs)
                    if let unitsPerStep, entering != nil {
                        let activations = classifier.activations(enteringTopUnits: unitsPerStep, of: input)
                        entering!.setRows(rows, from: activations.value)
                        features.setRows(rows, from: classifier.pooledFeatures(activations, enteringTopUnits: unitsPerStep).value)
                    } else {
                        features.setRows(rows, from: classifier.pooledFeatures(input).value)
                    }
                }
                if view == 0 { usable.formUnion(batch.positions) }
                try progress(batch.positions.count + batch.skipped.count)
            }
        }
        let kept = files.indices.filter { usable.contains($0) }
        let keptRows = (0..<views).flatMap { view in kept.map { view * files.count + $0 } }
        let compact = { (tensor: Tensor) in keptRows.count == views * files.count ? tensor : tensor.rows(keptRows) }
        return FrozenOutputs(
            features: compact(features), entering: entering.map(compact), positions: kept,
            labels: kept.map { Int32(files[$0].label) }, views: views)
    }
}
