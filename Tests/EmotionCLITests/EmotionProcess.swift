// Running the built `emotion` executable in a child process.

import Foundation
import EmotionTestSupport
import Testing

enum Emotion {
    /// The `emotion` executable in the build products folder, which also holds the test bundle.
    static let executable: URL? = {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
            + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        return candidates.map { $0.appendingPathComponent("emotion") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Starts `emotion arguments` in `directory` (a temporary folder by default, never the test's CWD), to
    /// watch or signal it while it runs.
    static func start(_ arguments: [String], in directory: URL? = nil) throws -> ChildProcess {
        guard let executable else {
            throw TestSetupError("the emotion executable is not next to the test bundle \(Bundle.main.bundleURL.path)")
        }
        return try ChildProcess(executable, arguments, in: directory)
    }

    /// Runs `emotion arguments` in `directory` to its end.
    static func run(_ arguments: [String], in directory: URL? = nil, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> ProcessResult {
        try start(arguments, in: directory).finish(sourceLocation: sourceLocation)
    }
}

extension ChildProcess {
    /// Waits for the end; a program that had to be killed at its deadline fails the test with its backtraces.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) -> ProcessResult {
        let result = wait()
        if let report = result.timeoutReport {
            Issue.record("\(report)\nstdout so far:\n\(result.stdout)\nstderr so far:\n\(result.stderr)",
                         sourceLocation: sourceLocation)
        }
        return result
    }
}

extension Emotion {
    /// Runs `emotion arguments` in a fresh temporary folder and checks that it fails as a usage or input
    /// error should: exit 2, nothing on stdout, `Error: …` containing `message` on stderr, followed by the
    /// command's usage exactly when `showsUsage`.
    static func expectError(_ arguments: [String], message: String, showsUsage: Bool) throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let result = try run(arguments, in: temporary.url)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("Error: ") && result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("USAGE: emotion \(arguments[0]) ") == showsUsage, "stderr: \(result.stderr)")
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
