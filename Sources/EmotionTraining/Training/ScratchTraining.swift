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

/// A Task 1 model trained from scratch: one phase of `settings.epochs` epochs on the folder's training
/// files, validated on its validation files.
public final class ScratchTraining {
    public let settings: TrainingSettings
    public let folder: ImageFolder
    public let model: Sequential
    public let preprocessing: Preprocessing
    public let run: TrainingRun

    public init(settings: TrainingSettings, folder: ImageFolder, images: ImagePipelineOptions) throws {
        self.settings = settings
        self.folder = folder
        model = try ModelZoo.make(
            name: settings.architecture, classes: folder.classNames.count, seed: UInt64(settings.seed))
        preprocessing = Preprocessing(height: model.inputShape[0], width: model.inputShape[1], scale: settings.inputScale)
        let loader = ImageLoader(
            preprocessing: preprocessing, cache: ImageCache(budget: images.cacheBudget), warn: images.warn)
        let phase = TrainingRun.Phase(
            description: "", model: model, training: ImageFileSource(files: folder.training, loader: loader),
            validation: folder.validation.isEmpty ? nil : ImageFileSource(files: folder.validation, loader: loader),
            epochs: settings.epochs, learningRate: settings.learningRate)
        run = TrainingRun(
            model: model, phases: [phase], batchSize: settings.batchSize, seed: UInt64(settings.seed),
            classCount: folder.classNames.count)
    }

    /// What identifies the run in a checkpoint: its settings and files.
    public func identity() throws -> RunIdentity {
        try RunIdentity(config: config, files: folder.training + folder.validation)
    }

    /// What config.json records.
    public var config: ModelConfig {
        ModelConfig(
            architecture: settings.architecture, inputShape: model.inputShape, classNames: folder.classNames,
            preprocessing: preprocessing, training: settings)
    }
}
