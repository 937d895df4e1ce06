// Pieces several commands share: the options several commands declare (each default written once, in the
// library's TrainingDefaults), their checks, the output format choice, and the JSON of skipped files.

import Foundation
import EmotionTraining

/// `--format` of the reporting commands.
enum OutputFormat: String, CaseIterable {
    case text, json
}

extension OptionSpec {
    static func data(help: String = "Folder with one subfolder of images per class.") -> OptionSpec {
        .value("data", "dir", help: help, default: TrainingDefaults.dataFolder, kind: .directory)
    }

    static func epochs(help: String = "Passes over the training set.") -> OptionSpec {
        .value("epochs", "n", help: help, default: String(TrainingDefaults.epochs))
    }

    static func batchSize(help: String = "Images per training step.") -> OptionSpec {
        .value("batch-size", "n", help: help, default: String(TrainingDefaults.batchSize))
    }

    static func learningRate(help: String = "Adam learning rate.") -> OptionSpec {
        .value("learning-rate", "rate", help: help, default: String(TrainingDefaults.learningRate))
    }

    static func validationSplit(
        help: String = "Fraction of the files held out for validation, 0 <= fraction < 1, split as Keras does."
    ) -> OptionSpec {
        .value("validation-split", "fraction", help: help, default: String(TrainingDefaults.validationSplit))
    }

    static func seed(help: String = "Seed of the split, weight initialisation, shuffles and dropout.") -> OptionSpec {
        .value("seed", "n", help: help, default: String(TrainingDefaults.seed))
    }
}

extension ParsedArguments {
    /// `--validation-split`, 0 <= split < 1.
    func validationSplit() throws(CLIError) -> Double {
        try double(defaulted: "validation-split", requirement: "a number with 0 <= split < 1") { $0 >= 0 && $0 < 1 }
    }

    /// `--seed`: 32 bits, as NumPy's RandomState (which makes the split) takes it.
    func seed() throws(CLIError) -> UInt32 {
        UInt32(try int(defaulted: "seed", in: 0...Int(UInt32.max)))
    }

    /// The options `train` and `finetune` share (`--data --epochs --batch-size --learning-rate
    /// --validation-split --seed`), for a model of `architecture`.
    func trainingSettings(
        architecture: String, inputScale: InputScale, classNames: [String]?
    ) throws(CLIError) -> TrainingSettings {
        TrainingSettings(
            architecture: architecture,
            data: text("data"),
            epochs: try int(defaulted: "epochs"),
            batchSize: try int(defaulted: "batch-size"),
            learningRate: try double(defaulted: "learning-rate", requirement: "a number greater than 0") { $0 > 0 },
            validationSplit: try validationSplit(),
            seed: try seed(),
            inputScale: inputScale,
            classNames: classNames)
    }
}

/// Lists and splits a data folder; a missing folder or bad class names are input errors (exit 2).
func openDataFolder(
    _ path: String, validationSplit: Double, seed: UInt32, classNames: [String]?
) throws(CLIError) -> ImageFolder {
    do {
        return try ImageFolder(
            root: URL(fileURLWithPath: path), validationSplit: validationSplit, seed: seed, classNames: classNames)
    } catch ImageFolderError.folderMissing(let missing) where path == TrainingDefaults.dataFolder {
        throw .input("the data folder \(missing) does not exist: run emotion from the repository folder, which has "
            + "the demo set \(TrainingDefaults.dataFolder)/, or pass --data DIR")
    } catch {
        throw .input("\(error)")
    }
}

/// `[{"file", "reason"}]`.
func skippedJSON(_ skipped: [SkippedFile]) -> JSON {
    .array(skipped.map { .object([("file", .string($0.file)), ("reason", .string($0.reason))]) })
}
