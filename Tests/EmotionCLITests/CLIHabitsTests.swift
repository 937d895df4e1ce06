// The command-line habits: "Did you mean …?" for mistyped commands and options (exit 2), and the shell
// completion scripts of `emotion completions`, the bash one run in bash to see what it completes.

import Foundation
import EmotionTestSupport
import Testing

/// What the bash completion function offers for `words` (the last one being typed), run in `directory`.
private func bashCompletions(_ script: String, _ words: [String], in directory: URL) throws -> [String] {
    let scriptFile = directory.appendingPathComponent("emotion.bash")
    try Data(script.utf8).write(to: scriptFile)
    let quoted = words.map { "'\($0)'" }.joined(separator: " ")
    let result = try ChildProcess(
        URL(fileURLWithPath: "/bin/bash"),
        ["-c", "source '\(scriptFile.path)'; COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); "
            + "_emotion; printf '%s\\n' \"${COMPREPLY[@]}\""],
        in: directory
    ).finish()
    #expect(result.status == 0)
    return result.stdout.split(separator: "\n").map(String.init).sorted()
}

/// The first of `candidates` that is an executable file.
private func executable(_ candidates: [String]) -> URL? {
    candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map { URL(fileURLWithPath: $0) }
}

@Suite struct SuggestionTests {
    @Test(arguments: [
        (["trian"], "Error: unknown command 'trian'. Did you mean 'train'?\n", "USAGE: emotion <command>"),
        (["exprot", "--model", "m"], "Error: unknown command 'exprot'. Did you mean 'export'?\n", "USAGE: emotion <command>"),
        (["frobnicate"], "Error: unknown command 'frobnicate'\n", "USAGE: emotion <command>"),
        (["--versoin"], "Error: unknown option '--versoin'. Did you mean '--version'?\n", "USAGE: emotion <command>"),
        (["train", "--model", "task1-small", "--epoch", "2"],
         "Error: unknown option '--epoch'. Did you mean '--epochs'?\n", "USAGE: emotion train "),
        (["evaluate", "--model", "m", "--subest", "all"],
         "Error: unknown option '--subest'. Did you mean '--subset'?\n", "USAGE: emotion evaluate "),
        (["completions", "zhs"], "Error: unknown shell 'zhs'. Did you mean 'zsh'? (expected one of bash, zsh, fish)\n",
         "USAGE: emotion completions "),
    ])
    func mistypedNamesGetASuggestionAndExitTwo(arguments: [String], message: String, usage: String) throws {
        let result = try Emotion.run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix(message + "\n"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains(usage), "stderr: \(result.stderr)")
    }
}

@Suite struct CompletionsTests {
    @Test func bashCompletesCommandsOptionsChoicesAndPaths() throws {
        let bash = try Emotion.run(["completions", "bash"])
        #expect(bash.status == 0 && bash.stderr.isEmpty)
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try FileManager.default.createDirectory(at: temporary.url.appendingPathComponent("Models"),
                                                withIntermediateDirectories: true)
        try Data().write(to: temporary.url.appendingPathComponent("Mfile.png"))
        let complete = { (words: [String]) in try bashCompletions(bash.stdout, ["emotion"] + words, in: temporary.url) }

        #expect(try complete(["tr"]) == ["train"])
        #expect(try complete(["e"]) == ["evaluate", "export"])
        #expect(try complete(["--v"]) == ["--version"])
        #expect(try complete(["export", "--f"]) == ["--format"])
        #expect(try complete(["export", "--format", ""]) == ["onnx"])
        #expect(try complete(["finetune", "--backbone", "efficientnet"]) == ["efficientnet-lite0", "efficientnetv2-b3"])
        #expect(try complete(["evaluate", "--subset", "v"]) == ["validation"])
        #expect(try complete(["train", "--model", ""]) == ["task1-large", "task1-small"])
        #expect(try complete(["train", "--input-scale", ""]) == ["raw", "unit"])
        #expect(try complete(["completions", ""]) == ["bash", "fish", "zsh"])
        #expect(try complete(["train", "--epochs", ""]) == [], "a number: nothing to offer")
        // Folders for a folder option, files and folders for a file option or argument.
        #expect(try complete(["evaluate", "--model", "M"]) == ["Models"])
        #expect(try complete(["export", "--model", "Models", "--output", "M"]) == ["Mfile.png", "Models"])
        #expect(try complete(["predict", "M"]) == ["Mfile.png", "Models"])
        #expect(try complete(["compare", "M"]) == ["Models"])
    }

    @Test(arguments: ["zsh", "fish"])
    func zshAndFishScriptsListEveryCommandAndOption(shell: String) throws {
        let result = try Emotion.run(["completions", shell])
        #expect(result.status == 0 && result.stderr.isEmpty)
        let script = result.stdout
        for command in ["train", "finetune", "evaluate", "predict", "export", "report", "completions"] {
            #expect(script.contains(shell == "zsh" ? "'\(command):" : "-a \(command) "), "no command \(command)")
        }
        let option = shell == "zsh" ? "--fine-tune-learning-rate[" : "-l fine-tune-learning-rate "
        #expect(script.contains(option))
        #expect(script.contains(shell == "zsh" ? "(efficientnet-lite0 efficientnetv2-b3)" : "'efficientnet-lite0 efficientnetv2-b3'"))
        #expect(script.contains(shell == "zsh" ? "_files -/" : "__fish_complete_directories"))
        // The shell itself parses the script, when it is installed.
        guard let interpreter = executable(["/usr/bin/\(shell)", "/bin/\(shell)", "/usr/local/bin/\(shell)"]) else {
            print("skipping the \(shell) syntax check: \(shell) is not installed")
            return
        }
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let file = temporary.url.appendingPathComponent("emotion.\(shell)")
        try Data(script.utf8).write(to: file)
        let check = try ChildProcess(interpreter, ["-n", file.path]).finish()
        #expect(check.status == 0, "\(shell) -n: \(check.stderr)")
    }
}
