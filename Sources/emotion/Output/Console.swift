// Where a command's output goes: results on stdout, logs and warnings on stderr, written unbuffered so
// that progress shows up at once even when piped.

import Foundation

struct Console {
    /// Whether stdout is a terminal (a live progress bar is drawn only then).
    let isTerminal: Bool

    init(isTerminal: Bool = isatty(STDOUT_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    /// Writes `text` to stdout as is (no newline added).
    func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes one line to stdout.
    func print(_ line: String) {
        write(line + "\n")
    }

    /// Writes one line to stderr.
    func log(_ line: String, terminator: String = "\n") {
        FileHandle.standardError.write(Data((line + terminator).utf8))
    }

    func warn(_ message: String) {
        log("Warning: \(message)")
    }
}
