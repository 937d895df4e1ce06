// The errors a command reports, and the exit code each one maps to.

/// A failure the entry point prints as `Error: <description>` on stderr.
enum CLIError: Error, CustomStringConvertible {
    /// The command line itself is wrong; the command's usage follows the message. Exit 2.
    case usage(String)
    /// The command line is well formed but names input that is missing or unusable (no data folder,
    /// no model, classes that do not match). Exit 2.
    case input(String)
    /// The command ran but failed (a file could not be written). Exit 1.
    case failure(String)

    var description: String {
        switch self {
        case .usage(let message), .input(let message), .failure(let message): return message
        }
    }

    var exitCode: Int32 {
        switch self {
        case .usage, .input: return ExitCode.usage
        case .failure: return ExitCode.failure
        }
    }
}

/// Process exit codes, the same for every command.
enum ExitCode {
    static let success: Int32 = 0
    /// The command ran but its result is a failure (e.g. accuracy below `--min-accuracy`).
    static let failure: Int32 = 1
    /// Usage or input errors.
    static let usage: Int32 = 2
}

/// Runs `body`, turning any error it throws into `CLIError.input` prefixed with `context`.
func asInputError<T>(_ context: String? = nil, _ body: () throws -> T) throws(CLIError) -> T {
    do {
        return try body()
    } catch let error as CLIError {
        throw error
    } catch {
        throw .input(context.map { "\($0): \(error)" } ?? "\(error)")
    }
}
