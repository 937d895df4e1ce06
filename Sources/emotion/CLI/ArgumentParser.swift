// The hand-written argument parser: option specifications, the parsed values, and typed, validated
// accessors. Errors are `CLIError.usage`, which the entry point prints with the command's usage (exit 2).

import Foundation

/// One `--kebab-case` option a command accepts. Its default is written here only: the typed accessors of
/// `ParsedArguments` fall back to it and `--help` shows it, so the two can never disagree.
struct OptionSpec: Sendable {
    /// What a value names, for shell completion.
    enum ValueKind: Sendable, Equatable {
        case text
        case file
        case directory
        /// One of a fixed list (an enum's raw values).
        case choice([String])
    }

    /// The name without dashes, e.g. `batch-size`.
    let name: String
    /// The placeholder shown in usage (`<n>`); nil for a flag that takes no value.
    let valueName: String?
    let help: String
    /// The value used when the option is absent, shown after the help as `(default: …)`; nil when the option
    /// has no default.
    let defaultValue: String?
    let isRequired: Bool
    let kind: ValueKind

    static func value(
        _ name: String, _ valueName: String, help: String, default defaultValue: String? = nil,
        required isRequired: Bool = false, kind: ValueKind = .text
    ) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, defaultValue: defaultValue, isRequired: isRequired,
                   kind: kind)
    }

    /// An option whose value is one of `Choice`'s raw values (shown as `<a|b|c>`).
    static func choice<Choice: RawRepresentable & CaseIterable>(
        _ name: String, _ type: Choice.Type, help: String, default defaultValue: Choice? = nil,
        required isRequired: Bool = false
    ) -> OptionSpec where Choice.RawValue == String {
        let choices = Choice.allCases.map(\.rawValue)
        return OptionSpec(name: name, valueName: choices.joined(separator: "|"), help: help,
                          defaultValue: defaultValue?.rawValue, isRequired: isRequired, kind: .choice(choices))
    }

    static func flag(_ name: String, help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help, defaultValue: nil, isRequired: false, kind: .text)
    }

    var takesValue: Bool { valueName != nil }
}

/// The trailing non-option arguments a command accepts (e.g. `PATH...`).
struct PositionalSpec: Sendable {
    let valueName: String
    let help: String
    let minimumCount: Int
}

/// What a command line said, before typing. Built by `parse(_:options:positional:)`.
struct ParsedArguments {
    /// The options the command declares, by name.
    private(set) var specs: [String: OptionSpec] = [:]
    /// The values given on the command line (defaults not filled in).
    private(set) var values: [String: String] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []
    /// The arguments as given (after the command name), e.g. to print the command again.
    private(set) var given: [String] = []

    /// Parses `arguments` (everything after the command name). `--name value` and `--name=value` are both
    /// accepted; `--` ends the options. Unknown, repeated or value-less options are usage errors.
    static func parse(
        _ arguments: [String], options: [OptionSpec], positional: PositionalSpec? = nil
    ) throws(CLIError) -> ParsedArguments {
        let specs = Dictionary(uniqueKeysWithValues: options.map { ($0.name, $0) })
        var parsed = ParsedArguments()
        parsed.specs = specs
        parsed.given = arguments
        var seen: Set<String> = []
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            guard argument.hasPrefix("--") else {
                throw .usage("unknown option '\(argument)'")
            }
            let body = argument.dropFirst(2)
            let name: String
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            guard let spec = specs[name] else {
                throw .usage("unknown option '--\(name)'" + suggestion(for: name, among: options))
            }
            guard seen.insert(name).inserted else {
                throw .usage("option '--\(name)' given more than once")
            }
            guard spec.takesValue else {
                if inlineValue != nil { throw .usage("option '--\(name)' takes no value") }
                parsed.flags.insert(name)
                continue
            }
            if let inlineValue {
                guard !inlineValue.isEmpty else { throw .usage("missing value for '--\(name)'") }
                parsed.values[name] = inlineValue
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw .usage("missing value for '--\(name)'")
                }
                parsed.values[name] = arguments[index]
                index += 1
            }
        }
        for spec in options where spec.isRequired && parsed.values[spec.name] == nil {
            throw .usage("missing required option '--\(spec.name) <\(spec.valueName ?? "")>'")
        }
        if let positional {
            if parsed.positionals.count < positional.minimumCount {
                throw .usage("missing \(positional.valueName)")
            }
        } else if let first = parsed.positionals.first {
            throw .usage("unexpected argument '\(first)'")
        }
        return parsed
    }

    /// " (did you mean '--x'?)" when an option name is one edit or a prefix away, else "".
    private static func suggestion(for name: String, among options: [OptionSpec]) -> String {
        let close = options.first { spec in
            spec.name.hasPrefix(name) || name.hasPrefix(spec.name) || editDistance(spec.name, name) <= 2
        }
        return close.map { " (did you mean '--\($0.name)'?)" } ?? ""
    }

    /// Levenshtein distance, for suggesting the option a typo meant.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, characterA) in a.enumerated() {
            var current = [i + 1]
            for (j, characterB) in b.enumerated() {
                let substitution = previous[j] + (characterA == characterB ? 0 : 1)
                current.append(min(previous[j + 1] + 1, current[j] + 1, substitution))
            }
            previous = current
        }
        return previous[b.count]
    }

    // MARK: Typed access
    //
    // Each accessor reads the value given on the command line, else the option's declared default. Asking for
    // an option the command does not declare is a programming error.

    /// Whether the option was given on the command line (defaults do not count).
    func isGiven(_ name: String) -> Bool {
        precondition(specs[name] != nil, "option '--\(name)' is not declared")
        return values[name] != nil || flags.contains(name)
    }

    /// The given value, else the declared default, else nil.
    func string(_ name: String) -> String? {
        guard let spec = specs[name] else { preconditionFailure("option '--\(name)' is not declared") }
        return values[name] ?? spec.defaultValue
    }

    /// The value of an option that always has one: a required option, or one with a default.
    func text(_ name: String) -> String {
        guard let value = string(name) else { preconditionFailure("option '--\(name)' is neither required nor defaulted") }
        return value
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// An integer in `range`; nil when neither given nor defaulted.
    func int(_ name: String, in range: ClosedRange<Int> = 1...Int.max) throws(CLIError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let requirement = range.upperBound == Int.max
                ? "of at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw .usage("'--\(name)' expects an integer \(requirement), got '\(text)'")
        }
        return value
    }

    /// An integer option that has a default.
    func int(defaulted name: String, in range: ClosedRange<Int> = 1...Int.max) throws(CLIError) -> Int {
        guard let value = try int(name, in: range) else { preconditionFailure("option '--\(name)' has no default") }
        return value
    }

    /// A finite number accepted by `isValid`, which `requirement` states (e.g. "a number greater than 0");
    /// nil when neither given nor defaulted.
    func double(_ name: String, requirement: String, isValid: (Double) -> Bool = { _ in true }) throws(CLIError) -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite, isValid(value) else {
            throw .usage("'--\(name)' expects \(requirement), got '\(text)'")
        }
        return value
    }

    /// A number option that has a default.
    func double(
        defaulted name: String, requirement: String, isValid: (Double) -> Bool = { _ in true }
    ) throws(CLIError) -> Double {
        guard let value = try double(name, requirement: requirement, isValid: isValid) else {
            preconditionFailure("option '--\(name)' has no default")
        }
        return value
    }

    /// One of an enum's raw values; nil when neither given nor defaulted.
    func choice<Choice: RawRepresentable & CaseIterable>(
        _ name: String, as type: Choice.Type
    ) throws(CLIError) -> Choice? where Choice.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw .usage("'--\(name)' expects one of \(allowed), got '\(text)'")
        }
        return value
    }

    /// A choice option that has a default.
    func choice<Choice: RawRepresentable & CaseIterable>(
        defaulted name: String, as type: Choice.Type
    ) throws(CLIError) -> Choice where Choice.RawValue == String {
        guard let value = try choice(name, as: type) else { preconditionFailure("option '--\(name)' has no default") }
        return value
    }

    /// A comma-separated list with no empty or repeated items.
    func list(_ name: String) throws(CLIError) -> [String]? {
        guard let text = string(name) else { return nil }
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: \.isEmpty) else {
            throw .usage("'--\(name)' expects a comma-separated list with no empty items, got '\(text)'")
        }
        guard Set(items).count == items.count else {
            throw .usage("'--\(name)' lists a name more than once: '\(text)'")
        }
        return items
    }
}
