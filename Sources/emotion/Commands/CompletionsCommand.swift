// `emotion completions`: prints the shell completion script for bash, zsh or fish (see CLI/Completions.swift).

struct CompletionsCommand: Command {
    static let name = "completions"
    static let abstract = "Print a shell completion script (bash, zsh or fish)."
    static let options: [OptionSpec] = []
    static let positional: PositionalSpec? = PositionalSpec(
        valueName: "shell", help: "bash, zsh or fish.", minimumCount: 1, kind: .choice(Shell.allCases.map(\.rawValue)),
        isRepeated: false)
    static let discussion = """
        The script completes commands, options, the values of options that take one of a fixed list, and \
        file and folder names where an option or argument names one. Install it with, for bash: 'emotion \
        completions bash > ~/.local/share/bash-completion/completions/emotion'; zsh: 'emotion completions zsh \
        > ~/.zfunc/_emotion' with 'fpath+=~/.zfunc' before 'compinit' in ~/.zshrc; fish: 'emotion completions \
        fish > ~/.config/fish/completions/emotion.fish'. Then open a new shell.
        """

    let shell: Shell

    init(_ arguments: ParsedArguments) throws(CLIError) {
        guard arguments.positionals.count == 1 else {
            throw .usage("completions takes one shell name, got \(arguments.positionals.count)")
        }
        let name = arguments.positionals[0]
        guard let shell = Shell(rawValue: name) else {
            let allowed = Shell.allCases.map(\.rawValue)
            throw .usage("unknown shell '\(name)'" + Suggestion.sentence(for: name, among: allowed)
                + " (expected one of \(allowed.joined(separator: ", ")))")
        }
        self.shell = shell
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        console.write(Completions.script(for: shell))
        return ExitCode.success
    }
}
