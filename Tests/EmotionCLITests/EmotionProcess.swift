// Running the built `emotion` executable in a child process.

import Foundation

/// What a run of `emotion` printed and how it exited.
struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum Emotion {
    /// The `emotion` executable in the build products folder, which also holds the test bundle.
    static let executable: URL? = {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
            + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        return candidates.map { $0.appendingPathComponent("emotion") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs `emotion arguments` in `directory` (a temporary folder by default, never the test's CWD).
    static func run(_ arguments: [String], in directory: URL? = nil) throws -> ProcessResult {
        guard let executable else {
            throw TestSetupError("the emotion executable is not next to the test bundle \(Bundle.main.bundleURL.path)")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read stderr on another thread while stdout is read here, so that neither pipe fills up and blocks.
        let errorData = DataBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            errorData.data = errors.fileHandleForReading.readDataToEndOfFile()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.data, as: UTF8.self))
    }
}

/// Bytes handed from the reading thread back to the caller (written once, read after `group.wait()`).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A running `emotion`, whose output can be watched while it runs (to signal it at a chosen moment).
final class RunningEmotion: @unchecked Sendable {
    // @unchecked: the output buffers are only touched with `lock` held.
    private let process = Process()
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    /// Left by each pipe's handler at its end of file.
    private let drained = DispatchGroup()

    init(_ arguments: [String], in directory: URL) throws {
        guard let executable = Emotion.executable else {
            throw TestSetupError("the emotion executable is not next to the test bundle \(Bundle.main.bundleURL.path)")
        }
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        for (pipe, isOutput) in [(output, true), (errors, false)] {
            drained.enter()
            pipe.fileHandleForReading.readabilityHandler = { [unowned self] handle in
                let data = handle.availableData
                guard !data.isEmpty else {
                    handle.readabilityHandler = nil
                    drained.leave()
                    return
                }
                lock.withLock { isOutput ? stdoutData.append(data) : stderrData.append(data) }
            }
        }
        try process.run()
    }

    var stdout: String { lock.withLock { String(decoding: stdoutData, as: UTF8.self) } }

    /// Waits until stdout contains `text` (true), or the process ended or `timeout` passed (false).
    func waitForOutput(_ text: String, timeout: TimeInterval = 600) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stdout.contains(text) { return true }
            if !process.isRunning { return stdout.contains(text) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the end; the exit status is 128 + the signal when a signal ended the process.
    func wait() -> ProcessResult {
        process.waitUntilExit()
        drained.wait()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return lock.withLock {
            ProcessResult(status: status, stdout: String(decoding: stdoutData, as: UTF8.self),
                          stderr: String(decoding: stderrData, as: UTF8.self))
        }
    }
}
