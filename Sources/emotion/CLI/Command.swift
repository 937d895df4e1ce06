// The Command protocol every subcommand implements, and the table of registered commands.

/// A subcommand: its name, one-line abstract, options, and how it parses and runs.
protocol Command: Sendable {
    static var name: String { get }
    /// One line, shown in `emotion --help`.
    static var abstract: String { get }
    /// Extra paragraphs shown in the command's `--help` after the options; "" for none.
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    /// Trailing arguments, or nil when the command takes none.
    static var positional: PositionalSpec? { get }

    /// Types and validates the parsed arguments; throws `CLIError.usage` for bad values.
    init(_ arguments: ParsedArguments) throws(CLIError)

    /// Does the work; returns the exit code (0, or 1 when the result is a failure such as a threshold
    /// not met). Throws `CLIError` for input errors and failures.
    func run(_ console: Console) throws(CLIError) -> Int32
}

extension Command {
    static var discussion: String { "" }
    static var positional: PositionalSpec? { nil }
}

/// The registered subcommands, in the order `emotion --help` lists them.
let commands: [any Command.Type] = [
    TrainCommand.self,
    FinetuneCommand.self,
    EvaluateCommand.self,
    SummaryCommand.self,
    DatasetCommand.self,
    SynthCommand.self,
    BenchCommand.self,
    PredictCommand.self,
    DecodeCommand.self,
    CompareCommand.self,
]
