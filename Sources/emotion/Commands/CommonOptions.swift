// Pieces several commands share: the default data folder, the data-folder and training options and their
// checks, the output format choice, and the JSON of skipped files.

import Foundation
import EmotionTraining

/// `--format` of the reporting commands.
enum OutputFormat: String, CaseIterable {
    case text, json
}

extension ParsedArguments {
    /// `--validation-split`, default 0.2, 0 <= split < 1.
    func validationSplit() throws(CLIError) -> Double {
        try double("validation-split", default: 0.2, requirement: "a number with 0 <= split < 1") { $0 >= 0 && $0 < 1 }
    }

    /// `--seed`, default 123; 32 bits, as NumPy's RandomState (which makes the split) takes it.
    func seed() throws(CLIError) -> UInt32 {
        UInt32(try int("seed", default: 123, in: 0...Int(UInt32.max)))
    }

    /// The options `train` and `finetune` share (`--data --epochs --batch-size --learning-rate
    /// --validation-split --seed`), with Keras's defaults, for a model of `architecture`.
    func trainingSettings(
        architecture: String, inputScale: InputScale, classNames: [String]?
    ) throws(CLIError) -> TrainingSettings {
        TrainingSettings(
            architecture: architecture,
            data: string("data") ?? defaultDataFolder,
            epochs: try int("epochs", default: 20),
            batchSize: try int("batch-size", default: 32),
            learningRate: try double("learning-rate", default: 0.001, requirement: "a number greater than 0") { $0 > 0 },
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
    } catch ImageFolderError.folderMissing(let missing) where path == defaultDataFolder {
        throw .input("the data folder \(missing) does not exist: run emotion from the repository folder, which has "
            + "the demo set \(defaultDataFolder)/, or pass --data DIR")
    } catch {
        throw .input("\(error)")
    }
}

/// The demo data set, relative to the working directory, used when `--data` is not given.
let defaultDataFolder = "Data"

/// `[{"file", "reason"}]`.
func skippedJSON(_ skipped: [SkippedFile]) -> JSON {
    .array(skipped.map { .object([("file", .string($0.file)), ("reason", .string($0.reason))]) })
}
