// Unit tests of the hand-written argument parser and the usage text.

import EmotionTraining
import Testing
@testable import emotion

private let options: [OptionSpec] = [
    .value("model", "name", help: "Model.", required: true),
    .value("epochs", "n", help: "Epochs.", default: "20"),
    .value("learning-rate", "rate", help: "Rate.", default: "0.001"),
    .value("class-names", "a,b", help: "Classes."),
    .choice("format", Format.self, help: "Format.", default: .text),
    .value("top", "k", help: "Top."),
    .flag("verbose", help: "More output."),
]

private enum Format: String, CaseIterable { case text, json }

private func parse(_ arguments: [String], positional: PositionalSpec? = nil) throws(CLIError) -> ParsedArguments {
    try ParsedArguments.parse(arguments, options: options, positional: positional)
}

/// The message of the usage error `body` throws, or nil when it throws none.
private func usageError(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as CLIError {
        guard case .usage(let message) = error else { return "not a usage error: \(error)" }
        return message
    } catch {
        return "not a CLIError: \(error)"
    }
}

@Test func spaceAndEqualsFormsGiveTheSameValues() throws {
    let spaced = try parse(["--model", "task1-small", "--epochs", "3", "--verbose"])
    let joined = try parse(["--model=task1-small", "--epochs=3", "--verbose"])
    #expect(spaced.string("model") == "task1-small")
    #expect(try spaced.int(defaulted: "epochs") == 3)
    #expect(try joined.int(defaulted: "epochs") == 3)
    #expect(joined.string("model") == "task1-small")
    #expect(spaced.flag("verbose") && joined.flag("verbose"))
    #expect(try parse(["--model", "m"]).int(defaulted: "epochs") == 20)
    #expect(try parse(["--model", "m"]).flag("verbose") == false)
}

@Test func valuesMayLookLikeNegativeNumbersOrContainEquals() throws {
    let parsed = try parse(["--model", "-x", "--class-names=a=b,c"])
    #expect(parsed.string("model") == "-x")
    #expect(try parsed.list("class-names") == ["a=b", "c"])
}

@Test func malformedCommandLinesAreUsageErrors() {
    #expect(usageError { _ = try parse(["--model", "m", "--epochz", "3"]) }
        == "unknown option '--epochz'. Did you mean '--epochs'?")
    #expect(usageError { _ = try parse(["--model", "m", "--learning"]) }
        == "unknown option '--learning'. Did you mean '--learning-rate'?")
    #expect(usageError { _ = try parse(["-model", "m"]) } == "unknown option '-model'. Did you mean '--model'?")
    #expect(usageError { _ = try parse(["--model", "m", "--zzzzzzzz"]) } == "unknown option '--zzzzzzzz'")
    #expect(usageError { _ = try parse(["--model", "m", "-e", "3"]) } == "unknown option '-e'")
    #expect(usageError { _ = try parse(["--model", "m", "--epochs"]) } == "missing value for '--epochs'")
    #expect(usageError { _ = try parse(["--model", "m", "--epochs", "--verbose"]) } == "missing value for '--epochs'")
    #expect(usageError { _ = try parse(["--model", "m", "--epochs="]) } == "missing value for '--epochs'")
    #expect(usageError { _ = try parse(["--model", "m", "--epochs", "1", "--epochs", "2"]) }
        == "option '--epochs' given more than once")
    #expect(usageError { _ = try parse(["--model", "m", "--verbose=yes"]) } == "option '--verbose' takes no value")
    #expect(usageError { _ = try parse(["--epochs", "1"]) } == "missing required option '--model <name>'")
    #expect(usageError { _ = try parse(["--model", "m", "photo.jpg"]) } == "unexpected argument 'photo.jpg'")
}

@Test func positionalArgumentsWhenTheCommandTakesThem() throws {
    let paths = PositionalSpec(valueName: "path", help: "Files.", minimumCount: 1)
    let parsed = try parse(["--model", "m", "a.jpg", "--epochs", "2", "--", "--b.jpg"], positional: paths)
    #expect(parsed.positionals == ["a.jpg", "--b.jpg"])
    #expect(try parsed.int(defaulted: "epochs") == 2)
    #expect(usageError { _ = try parse(["--model", "m"], positional: paths) } == "missing path")
}

@Test func typedValuesAreValidated() throws {
    #expect(usageError { _ = try parse(["--model", "m", "--epochs", "0"]).int(defaulted: "epochs") }
        == "'--epochs' expects an integer of at least 1, got '0'")
    #expect(usageError { _ = try parse(["--model", "m", "--epochs", "2.5"]).int(defaulted: "epochs") }
        == "'--epochs' expects an integer of at least 1, got '2.5'")
    #expect(try parse(["--model", "m", "--epochs", "0"]).int(defaulted: "epochs", in: 0...9) == 0)
    let rate = { (text: String) throws -> Double in
        try parse(["--model", "m", "--learning-rate", text]).double(
            defaulted: "learning-rate", requirement: "a number greater than 0") { $0 > 0 }
    }
    #expect(try rate("1e-4") == 1e-4)
    #expect(usageError { _ = try rate("-1") } == "'--learning-rate' expects a number greater than 0, got '-1'")
    #expect(usageError { _ = try rate("nan") } == "'--learning-rate' expects a number greater than 0, got 'nan'")
    #expect(usageError { _ = try rate("fast") } == "'--learning-rate' expects a number greater than 0, got 'fast'")
    #expect(try parse(["--model", "m", "--format", "json"]).choice(defaulted: "format", as: Format.self) == .json)
    #expect(try parse(["--model", "m"]).choice(defaulted: "format", as: Format.self) == .text)
    #expect(usageError { _ = try parse(["--model", "m", "--format", "xml"]).choice(defaulted: "format", as: Format.self) }
        == "'--format' expects one of text, json, got 'xml'")
    #expect(usageError { _ = try parse(["--model", "m", "--class-names", "a,,b"]).list("class-names") }
        == "'--class-names' expects a comma-separated list with no empty items, got 'a,,b'")
    #expect(usageError { _ = try parse(["--model", "m", "--class-names", "a,b,a"]).list("class-names") }
        == "'--class-names' lists a name more than once: 'a,b,a'")
}

@Test func defaultsComeFromTheSpecAndCountAsNotGiven() throws {
    let parsed = try parse(["--model", "m"])
    #expect(parsed.string("learning-rate") == "0.001")
    #expect(try parsed.double(defaulted: "learning-rate", requirement: "a number") == 0.001)
    #expect(!parsed.isGiven("learning-rate") && parsed.isGiven("model"))
    #expect(try parsed.int("top") == nil)
    #expect(try parse(["--model", "m", "--top", "3"]).int("top") == 3)
    #expect(options.first { $0.name == "format" }?.kind == .choice(["text", "json"]))
    #expect(options.first { $0.name == "format" }?.valueName == "text|json")
}

/// A choice option's default is one of its choices, for every command.
@Test func everyChoiceDefaultIsAChoice() {
    for command in commands {
        for option in command.options {
            guard case .choice(let choices) = option.kind, let defaultValue = option.defaultValue else { continue }
            #expect(choices.contains(defaultValue), "\(command.name) --\(option.name) defaults to '\(defaultValue)'")
        }
    }
}

@Test func commandHelpDocumentsEveryOption() {
    for command in commands {
        let help = Usage.help(for: command)
        #expect(help.hasPrefix("OVERVIEW: \(command.abstract)\n"))
        #expect(help.contains("USAGE: emotion \(command.name)"))
        for option in command.options {
            #expect(help.contains("--\(option.name)"), "\(command.name) help lacks --\(option.name)")
        }
        #expect(help.contains("-h, --help"))
    }
    let topLevel = Usage.topLevel()
    for command in commands {
        #expect(topLevel.contains("  \(command.name) "), "top-level help lacks \(command.name)")
    }
}

@Test func suggestionsPickTheNearestNameWithinTwoEdits() {
    let commands = ["train", "finetune", "evaluate", "predict", "export", "completions"]
    #expect(Suggestion.closest(to: "trian", among: commands) == "train", "a swap of two letters is one edit")
    #expect(Suggestion.closest(to: "evalute", among: commands) == "evaluate")
    #expect(Suggestion.closest(to: "compl", among: commands) == "completions", "a prefix of a command")
    #expect(Suggestion.closest(to: "exprot", among: commands) == "export")
    #expect(Suggestion.closest(to: "frobnicate", among: commands) == nil)
    #expect(Suggestion.closest(to: "ab", among: ["abc", "xbc"]) == "abc")
    #expect(Suggestion.closest(to: "xy", among: ["predict"]) == nil, "short names need a close match")
    #expect(Suggestion.editDistance("kitten", "sitting") == 3)
    #expect(Suggestion.editDistance("", "abc") == 3 && Suggestion.editDistance("ab", "ba") == 1)
    #expect(Suggestion.sentence(for: "tarin", among: commands) == ". Did you mean 'train'?")
    #expect(Suggestion.sentence(for: "zzz", among: commands) == "")
}

/// --keep defaults to best with --early-stopping (the weights early stopping found best), else to the
/// command's own default (last for train: the assignment's recipe).
@Test func keptWeightsFollowEarlyStopping() throws {
    func keep(_ extra: [String]) throws -> KeptWeights? {
        let arguments = try ParsedArguments.parse(["--model", "task1-small"] + extra, options: TrainCommand.options)
        return try TrainCommand(arguments).settings.recipe?.keep
    }
    #expect(try keep([]) == .last)
    #expect(try keep(["--early-stopping", "5"]) == .best)
    #expect(try keep(["--early-stopping", "5", "--keep", "last"]) == .last)
    #expect(try keep(["--keep", "best"]) == .best)
    #expect(usageError { _ = try keep(["--warmup-epochs", "2"]) } == "'--warmup-epochs' goes with '--lr-schedule cosine'")
    #expect(usageError { _ = try keep(["--augment", "flip,tilt=3"]) }?.hasPrefix("'--augment': augmentation item \"tilt=3\"") == true)
}

/// `finetune` with only a backbone and its weights is the recipe the README measured best on faces6.
@Test func finetuneDefaultsToTheMeasuredRecipe() throws {
    let arguments = try ParsedArguments.parse(["--backbone", "efficientnet-lite0", "--weights", "w.safetensors"],
                                              options: FinetuneCommand.options)
    let command = try FinetuneCommand(arguments)
    #expect(command.fineTuning.imageSize == 350 && command.fineTuning.unfreeze == .all)
    #expect(command.fineTuning.fineTuneLearningRate == 1e-4 && command.fineTuning.fineTuneEpochs == 10)
    let recipe = try #require(command.settings.recipe)
    #expect(recipe.augment.description == "flip,grayscale=0.5" && recipe.lrSchedule == .cosine && recipe.labelSmoothing == 0.1)
    #expect(recipe.keep == .last && recipe.earlyStopping == nil && recipe.classWeight == .balanced)
    #expect(recipe.tta == nil)
    #expect(command.settings.epochs == 20 && command.settings.learningRate == 0.001)
}
