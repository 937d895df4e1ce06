// Running another program from a test: its output collected while it runs, signals sent to it, and a
// deadline, so that a program that hangs fails its test with its threads' backtraces instead of hanging the
// whole suite (CI gives up on a suite that hangs and shows nothing of where).
//
// The pipes are opened close-on-exec. Foundation's Process closes the descriptors a child should not inherit
// by listing the open ones just before spawning, which races with pipes opened on other threads at that
// moment (tests run in parallel): a child that inherits another test's write end keeps that test's reader
// from seeing the end of its output until the child exits.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a program printed and how it ended.
public struct ProcessResult: Sendable {
    /// The exit status, or 128 + the signal that ended the program (as a shell reports it).
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Set when the program overran its deadline and was killed: what it was doing then.
    public let timeoutReport: String?
}

/// A program started by a test. Thread-safe.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: the output buffers are only touched with `lock` held; `process` is Foundation's.
    private let process = Process()
    private let command: String
    private let deadline: Date
    private let lock = NSLock()
    private var output = [Data(), Data()]
    /// Left by each reader at the end of its pipe.
    private let readers = DispatchGroup()

    /// Starts `executable arguments` in `directory` (the temporary folder by default), with no input. After
    /// `timeout` seconds `wait()` kills it.
    public init(_ executable: URL, _ arguments: [String], in directory: URL? = nil, timeout: TimeInterval = 300) throws {
        command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        deadline = Date().addingTimeInterval(timeout)
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory
        process.standardInput = FileHandle.nullDevice
        let pipes = try (0..<2).map { _ in try Self.closeOnExecPipe() }
        // The child gets the write ends as its stdout and stderr (dup2 clears close-on-exec on the copies).
        process.standardOutput = FileHandle(fileDescriptor: pipes[0].write, closeOnDealloc: false)
        process.standardError = FileHandle(fileDescriptor: pipes[1].write, closeOnDealloc: false)
        defer { pipes.forEach { close($0.write) } }
        do {
            try Self.withNoSignalsBlocked { try process.run() }
        } catch {
            pipes.forEach { close($0.read) }
            throw error
        }
        for (stream, pipe) in pipes.enumerated() { startReader(pipe.read, stream: stream) }
    }

    /// The process identifier.
    public var identifier: Int32 { process.processIdentifier }

    /// What the program printed on stdout so far.
    public var stdout: String { text(0) }

    /// Waits until stdout contains `text` (true), or the program ended or `timeout` passed (false).
    public func waitForOutput(_ text: String, timeout: TimeInterval = 300) -> Bool {
        let until = min(deadline, Date().addingTimeInterval(timeout))
        while Date() < until {
            if stdout.contains(text) { return true }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return stdout.contains(text)
    }

    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the end (killing the program at the deadline) and for the end of its output.
    public func wait() -> ProcessResult {
        var report: String?
        if !exited(by: deadline) {
            report = "\(command) ran past its deadline and was killed.\n" + Self.backtraces(of: identifier)
            send(SIGKILL)
            _ = exited(by: Date().addingTimeInterval(30))
        }
        if readers.wait(timeout: .now() + 30) == .timedOut {
            report = (report ?? "") + "\(command) ended but its output stayed open for 30 s (another process holds it)."
        }
        let status = process.isRunning ? -1
            : process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return ProcessResult(status: status, stdout: text(0), stderr: text(1), timeoutReport: report)
    }

    /// Waits until the program has ended (true) or `date` has come (false).
    private func exited(by date: Date) -> Bool {
        while process.isRunning && Date() < date { Thread.sleep(forTimeInterval: 0.005) }
        return !process.isRunning
    }

    private func text(_ stream: Int) -> String {
        lock.withLock { String(decoding: output[stream], as: UTF8.self) }
    }

    /// Reads `descriptor` on a thread of its own until its end, so the program never blocks on a full pipe.
    private func startReader(_ descriptor: Int32, stream: Int) {
        readers.enter()
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    lock.withLock { output[stream].append(contentsOf: buffer[..<count]) }
                } else if count == 0 || errno != EINTR {
                    break
                }
            }
            close(descriptor)
            readers.leave()
        }
    }

    /// Runs `body` with no signal blocked on this thread, so that a program it starts begins with none blocked,
    /// as from a shell. (A child inherits its parent thread's signal mask, and the threads tests run on block
    /// SIGINT and SIGTERM: a program started from them would never see those signals.)
    private static func withNoSignalsBlocked<Result>(_ body: () throws -> Result) rethrows -> Result {
        var none = sigset_t(), previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    private static func closeOnExecPipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        #if os(Linux)
        // glibc declares pipe2 only for _GNU_SOURCE, which Swift does not set: looked up at run time.
        typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
        guard let symbol = dlsym(nil, "pipe2") else { throw POSIXError(.ENOSYS) }  // nil: RTLD_DEFAULT
        let result = unsafeBitCast(symbol, to: Pipe2.self)(&descriptors, O_CLOEXEC)
        #else
        let result = pipe(&descriptors)
        if result == 0 { descriptors.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) } }
        #endif
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return (descriptors[0], descriptors[1])
    }

    /// Every thread's stack of process `pid`, from gdb when it is installed (the first 400 lines).
    private static func backtraces(of pid: Int32) -> String {
        let gdb = URL(fileURLWithPath: "/usr/bin/gdb")
        guard FileManager.default.isExecutableFile(atPath: gdb.path),
              let debugger = try? ChildProcess(gdb, ["-batch", "-p", "\(pid)", "-ex", "thread apply all bt"], timeout: 60)
        else { return "(no backtraces: gdb is not installed)" }
        if !debugger.exited(by: debugger.deadline) { debugger.send(SIGKILL) }
        _ = debugger.readers.wait(timeout: .now() + 5)
        let lines = debugger.text(0).split(separator: "\n", omittingEmptySubsequences: false)
        let errors = debugger.text(1).trimmingCharacters(in: .whitespacesAndNewlines)
        return "Threads of \(pid):\n" + lines.prefix(400).joined(separator: "\n")
            + (errors.isEmpty ? "" : "\ngdb said: \(errors.prefix(2000))")
    }
}
