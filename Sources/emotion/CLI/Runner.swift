// Dispatches a command line to its command and turns errors into `Error: …` lines and exit codes.

import EmotionKernels
import EmotionTraining

enum Runner {
    /// Runs `emotion` with `arguments` (without the program name) and returns the exit code.
    static func run(_ arguments: [String], console: Console = Console()) -> Int32 {
        guard let first = arguments.first else {
            console.log("Error: missing command\n")
            console.log(Usage.briefTopLevel(), terminator: "")
            return ExitCode.usage
        }
        switch first {
        case "-h", "--help", "help":
            if first == "help", arguments.count > 1, let command = command(named: arguments[1]) {
                console.write(Usage.help(for: command))
            } else {
                console.write(Usage.topLevel())
            }
            return ExitCode.success
        case "--version":
            console.print("\(toolName) \(EmotionVersion.current)")
            console.print("build target CPU: \(Kernels.buildTargetCPU); kernels: \(Kernels.activeVariant.summary) "
                + "on \(Kernels.cpuModelName)")
            return ExitCode.success
        default:
            break
        }
        guard let command = command(named: first) else {
            let message = first.hasPrefix("-")
                ? "unknown option '\(first)'" + Suggestion.sentence(for: first, among: Usage.topLevelOptions)
                : "unknown command '\(first)'" + Suggestion.sentence(for: first, among: commands.map { $0.name })
            console.log("Error: \(message)\n")
            console.log(Usage.briefTopLevel(), terminator: "")
            return ExitCode.usage
        }
        let rest = Array(arguments.dropFirst())
        let optionArguments = rest.prefix { $0 != "--" }
        if optionArguments.contains("-h") || optionArguments.contains("--help") {
            console.write(Usage.help(for: command))
            return ExitCode.success
        }
        do {
            let parsed = try ParsedArguments.parse(rest, options: command.options, positional: command.positional)
            return try command.init(parsed).run(console)
        } catch {
            console.log("Error: \(error)")
            if case .usage = error {
                console.log("")
                console.log(Usage.brief(for: command), terminator: "")
            }
            return error.exitCode
        }
    }

    private static func command(named name: String) -> (any Command.Type)? {
        commands.first { $0.name == name }
    }
}
