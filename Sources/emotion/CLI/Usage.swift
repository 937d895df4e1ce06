// Help and usage text: the top-level list of commands and each command's options.

/// The executable's name as shown in usage text.
let toolName = "emotion"

enum Usage {
    /// The options `emotion` takes before a command.
    static let topLevelOptions = ["-h", "--help", "--version"]

    /// What follows `Error: …` when the command itself is missing or unknown.
    static func briefTopLevel() -> String {
        let names = commands.map { $0.name }.joined(separator: ", ")
        return "USAGE: \(toolName) <command> [options]\n  Commands: \(names)\n"
            + "  See '\(toolName) --help' for details.\n"
    }

    /// `emotion --help`.
    static func topLevel() -> String {
        let width = commands.map { $0.name.count }.max() ?? 0
        var lines = [
            "OVERVIEW: Train, evaluate and inspect CNNs that recognise emotions in face photos.",
            "",
            "USAGE: \(toolName) <command> [options]",
            "",
            "COMMANDS:",
        ]
        for command in commands {
            lines.append("  " + command.name.padded(to: width + 4) + command.abstract)
        }
        lines += [
            "",
            "OPTIONS:",
            "  -h, --help              Show this help, or a command's help with '\(toolName) <command> --help'.",
            "  --version               Show the version.",
            "",
            "See '\(toolName) <command> --help' for the options of each command.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The one-line synopsis: `USAGE: emotion train --model <name> [--data <dir>] ...`.
    static func synopsis(of command: any Command.Type) -> String {
        var parts = ["\(toolName) \(command.name)"]
        for option in command.options {
            var part = "--\(option.name)"
            if let valueName = option.valueName { part += " <\(valueName)>" }
            parts.append(option.isRequired ? part : "[\(part)]")
        }
        if let positional = command.positional {
            let argument = "<\(positional.valueName)>" + (positional.isRepeated ? " ..." : "")
            parts.append(positional.minimumCount > 0 ? argument : "[\(argument)]")
        }
        // Wrapped at option boundaries, continuation lines indented under the command.
        var lines = ["USAGE: " + parts[0]]
        for part in parts.dropFirst() {
            if lines[lines.count - 1].count + 1 + part.count > 100 {
                lines.append(String(repeating: " ", count: 7 + parts[0].count) + part)
            } else {
                lines[lines.count - 1] += " " + part
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `emotion <command> --help`.
    static func help(for command: any Command.Type) -> String {
        var lines = ["OVERVIEW: \(command.abstract)", "", synopsis(of: command), ""]
        var rows: [(String, String)] = []
        if let positional = command.positional {
            lines.append("ARGUMENTS:")
            lines.append(contentsOf: table([("<\(positional.valueName)>", positional.help)]))
            lines.append("")
        }
        for option in command.options {
            var left = "--\(option.name)"
            if let valueName = option.valueName { left += " <\(valueName)>" }
            var right = option.help
            if let defaultValue = option.defaultValue { right += " (default: \(defaultValue))" }
            rows.append((left, right))
        }
        rows.append(("-h, --help", "Show this help."))
        lines.append("OPTIONS:")
        lines.append(contentsOf: table(rows))
        if !command.discussion.isEmpty {
            lines.append("")
            lines += wrap(command.discussion, width: 100)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What follows `Error: …` on stderr: the synopsis and a pointer to `--help`.
    static func brief(for command: any Command.Type) -> String {
        synopsis(of: command) + "\n  See '\(toolName) \(command.name) --help' for details.\n"
    }

    /// Two columns: the left padded to a common width (at most 26), long help wrapped under itself.
    private static func table(_ rows: [(String, String)]) -> [String] {
        let width = min(26, (rows.map(\.0.count).max() ?? 0) + 2)
        let indent = String(repeating: " ", count: width + 2)
        var lines: [String] = []
        for (left, right) in rows {
            let wrapped = wrap(right, width: 100 - width - 2)
            if left.count + 2 > width {
                lines.append("  " + left)
                lines += wrapped.map { indent + $0 }
            } else {
                lines.append("  " + left.padded(to: width) + wrapped[0])
                lines += wrapped.dropFirst().map { indent + $0 }
            }
        }
        return lines
    }

    private static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        lines.append(line)
        return lines
    }
}

extension String {
    /// Pads with spaces on the right to `length` characters (never truncates).
    func padded(to length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }

    /// Pads with spaces on the left to `length` characters (never truncates).
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: " ", count: length - count) + self
    }
}
