// What `emotion train` does, as a library call: a zoo model trained from scratch on a listed data folder,
// its images streamed from disk.

import Foundation

/// How a job reads its images: the memory the image cache may use, and where warnings about unusable files
/// go (`Warning: skipping anger/x.jpg: ...`, once per file, from the loading threads).
public struct ImagePipelineOptions: Sendable {
    public var cacheBudget: MemorySize
    public var warn: @Sendable (String) -> Void

    public init(cacheBudget: MemorySize = .defaultCacheBudget, warn: @escaping @Sendable (String) -> Void) {
        self.cacheBudget = cacheBudget
        self.warn = warn
    }
}

/// A Task 1 model trained from scratch: one phase of `settings.epochs` epochs on the training files,
/// validated on the validation files.
public final class ScratchTraining {
    public let settings: TrainingSettings
    public let data: TrainingData
    public let model: Sequential
    public let preprocessing: Preprocessing
    public let run: TrainingRun

    public init(settings: TrainingSettings, data: TrainingData, images: ImagePipelineOptions) throws {
        self.settings = settings
        self.data = data
        model = try ModelZoo.make(
            name: settings.architecture, classes: data.classNames.count, seed: UInt64(settings.seed))
        preprocessing = Preprocessing(height: model.inputShape[0], width: model.inputShape[1], scale: settings.inputScale)
        let loader = ImageLoader(
            preprocessing: preprocessing, cache: ImageCache(budget: images.cacheBudget), warn: images.warn)
        let recipe = settings.effectiveRecipe
        let phase = TrainingRun.Phase(
            description: "", model: model,
            training: ImageFileSource(files: data.training, loader: loader, augment: Self.augmenter(
                recipe.augment, height: preprocessing.height, width: preprocessing.width, seed: UInt64(settings.seed))),
            validation: data.validation.isEmpty ? nil : ImageFileSource(files: data.validation, loader: loader),
            epochs: settings.epochs, learningRate: settings.learningRate, weightDecay: recipe.weightDecay,
            trainingLoss: recipe.trainingLoss(classCounts: data.trainingCounts), validationLoss: recipe.validationLoss,
            mixup: recipe.mixup)
        run = TrainingRun(
            model: model, phases: [phase], batchSize: settings.batchSize, seed: UInt64(settings.seed),
            classCount: data.classNames.count)
        run.observers = recipe.observers(model: model)
    }

    /// The per-image training augmentation: each epoch transforms every image anew, from its own random
    /// stream of (seed, epoch, image).
    static func augmenter(
        _ augmentation: ImageAugmentation, height: Int, width: Int, seed: UInt64
    ) -> (@Sendable (Int, Int, UnsafeMutablePointer<Float>) -> Void)? {
        guard !augmentation.isNone else { return nil }
        return { epoch, sample, pixels in
            augmentation.apply(to: pixels, height: height, width: width, channels: 3, seed: seed, epoch: epoch, sample: sample)
        }
    }

    /// What identifies the run in a checkpoint: its settings and files.
    public func identity() throws -> RunIdentity {
        try RunIdentity(config: config, files: data.training + data.validation)
    }

    /// What config.json records.
    public var config: ModelConfig {
        ModelConfig(
            architecture: settings.architecture, inputShape: model.inputShape, classNames: data.classNames,
            preprocessing: preprocessing, training: settings)
    }
}
