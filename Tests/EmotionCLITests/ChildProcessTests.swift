// The test helper that runs programs: a program that overruns its deadline is killed and reported with what
// it was doing, instead of hanging the suite.

import Foundation
import EmotionTestSupport
import Testing

@Suite struct ChildProcessTests {
    @Test func collectsBothStreamsAndTheExitStatus() throws {
        let result = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "echo out; echo err >&2; exit 3"]).wait()
        #expect(result.status == 3 && result.stdout == "out\n" && result.stderr == "err\n")
        #expect(result.timeoutReport == nil)
    }

    @Test func aProgramPastItsDeadlineIsKilledAndReported() throws {
        let started = Date()
        let result = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "echo started; exec sleep 600"], timeout: 1).wait()
        #expect(Date().timeIntervalSince(started) < 120)
        #expect(result.status == 128 + SIGKILL)
        #expect(result.stdout == "started\n")
        let report = try #require(result.timeoutReport)
        #expect(report.hasPrefix("sh -c echo started; exec sleep 600 ran past its deadline and was killed.\n"), "\(report)")
        // With gdb installed the report holds the sleeping thread's stack, or why gdb could not attach (a
        // system that forbids ptrace between siblings).
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb") {
            #expect(report.contains("Threads of ") && (report.contains("#0 ") || report.contains("ptrace")), "\(report)")
        }
    }

    /// Programs start with no signal blocked, as from a shell, whatever thread the test runs on.
    @Test func aSignalEndsTheProgramWithTheShellsStatus() throws {
        #if os(Linux)
        let blocked = try ChildProcess(URL(fileURLWithPath: "/bin/grep"), ["SigBlk", "/proc/self/status"]).wait()
        #expect(blocked.stdout == "SigBlk:\t0000000000000000\n")
        #endif
        // SIGKILL: a parent that ignores SIGTERM (as some CI shells do) passes that on to its children.
        let child = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "echo ready; exec sleep 600"])
        try #require(child.waitForOutput("ready"))
        child.send(SIGKILL)
        let result = child.wait()
        #expect(result.status == 128 + SIGKILL && result.timeoutReport == nil)
    }
}
