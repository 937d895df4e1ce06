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

    static let validationData = OptionSpec.value(
        "validation-data", "dir",
        help: "A separate folder of class subfolders to validate on (Keras's validation_data); then every file of "
            + "--data trains and --validation-split does not apply.", kind: .directory)
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
    /// --validation-split --seed --split-seed` and the recipe's), for a model of `architecture`.
    func trainingSettings(
        architecture: String, inputScale: InputScale, classNames: [String]?, recipe defaultRecipe: TrainingRecipe
    ) throws(CLIError) -> TrainingSettings {
        TrainingSettings(
            architecture: architecture,
            data: text("data"),
            epochs: try int(defaulted: "epochs"),
            batchSize: try int(defaulted: "batch-size"),
            learningRate: try double(defaulted: "learning-rate", requirement: "a number greater than 0") { $0 > 0 },
            validationSplit: isGiven("validation-data") ? 0 : try validationSplit(),
            validationData: string("validation-data"),
            seed: try seed(),
            splitSeed: try splitSeed(),
            inputScale: inputScale,
            classNames: classNames,
            recipe: try recipe(defaults: defaultRecipe))
    }
}

/// Lists and splits a data folder; a missing folder or bad class names are input errors (exit 2).
func openDataFolder(
    _ path: String, validationSplit: Double, seed: UInt32, classNames: [String]?, allowingEmptyClasses: Bool = false
) throws(CLIError) -> ImageFolder {
    do {
        return try ImageFolder(
            root: URL(fileURLWithPath: path), validationSplit: validationSplit, seed: seed, classNames: classNames,
            allowingEmptyClasses: allowingEmptyClasses)
    } catch ImageFolderError.folderMissing(let missing) where path == TrainingDefaults.dataFolder {
        throw .input("the data folder \(missing) does not exist: run emotion from the repository folder, which has "
            + "the demo set \(TrainingDefaults.dataFolder)/, or pass --data DIR")
    } catch {
        throw .input("\(error)")
    }
}

/// The files `settings` trains and validates on, opened and reported as Keras reports them ("Found 1037
/// files belonging to 6 classes.", then the files used for training and for validation).
func openTrainingData(_ settings: TrainingSettings, console: Console) throws(CLIError) -> TrainingData {
    guard let validationPath = settings.validationData else {
        let folder = try openDataFolder(
            settings.data, validationSplit: settings.validationSplit, seed: settings.effectiveSplitSeed,
            classNames: settings.classNames)
        console.print("Found \(folder.files.count) files belonging to \(folder.classNames.count) classes.")
        if folder.validationSplit > 0 {
            console.print("Using \(folder.training.count) files for training.")
            console.print("Using \(folder.validation.count) files for validation.")
        }
        return TrainingData(folder: folder)
    }
    let training = try openDataFolder(settings.data, validationSplit: 0, seed: settings.seed, classNames: settings.classNames)
    let validation = try openDataFolder(
        validationPath, validationSplit: 0, seed: settings.seed, classNames: settings.classNames,
        allowingEmptyClasses: true)
    console.print("Found \(training.files.count) files belonging to \(training.classNames.count) classes.")
    console.print("Found \(validation.files.count) files belonging to \(validation.classNames.count) classes (validation).")
    return try asInputError { try TrainingData(training: training, validation: validation) }
}

/// The files of `subset` of the data a saved model was trained on, exactly as training split them: the
/// config's data folder and split (or its separate validation folder), or the folder `override` names,
/// split with the model's settings. Also returns how many files were listed in all. An empty subset is an
/// input error; an empty class folder is not (a test set may lack a class).
func subsetFiles(
    of config: ModelConfig, data override: String?, subset: Subset
) throws(CLIError) -> (files: [LabeledFile], listed: Int) {
    let training = config.training
    // No split applies to --subset all, nor to the training folder of a model validated on its own folder
    // (so a test folder too small to split still evaluates).
    let unsplit = subset == .all || (override == nil && training.validationData != nil)
    let folder = try openDataFolder(
        override ?? training.data, validationSplit: unsplit ? 0 : training.validationSplit,
        seed: training.effectiveSplitSeed, classNames: training.classNames, allowingEmptyClasses: true)
    guard folder.classNames == config.classNames else {
        throw .input("the classes of \(folder.root.path) (\(folder.classNames.joined(separator: ", "))) differ from "
            + "the model's (\(config.classNames.joined(separator: ", ")))")
    }
    let files: [LabeledFile], listed: Int
    if override == nil, let validationPath = training.validationData {
        let validation = try openDataFolder(
            validationPath, validationSplit: 0, seed: training.seed, classNames: training.classNames,
            allowingEmptyClasses: true)
        listed = folder.files.count + validation.files.count
        switch subset {
        case .training: files = folder.files
        case .validation: files = validation.files
        case .all: files = folder.files + validation.files
        }
    } else {
        (files, listed) = (folder.files(in: subset), folder.files.count)
    }
    guard !files.isEmpty else {
        throw .input("the \(subset.rawValue) subset is empty: the model was trained with a validation split "
            + "of \(config.training.validationSplit); use --subset all")
    }
    return (files, listed)
}

/// `[{"file", "reason"}]`.
func skippedJSON(_ skipped: [SkippedFile]) -> JSON {
    .array(skipped.map { .object([("file", .string($0.file)), ("reason", .string($0.reason))]) })
}
