// PeakMemory: the process's peak resident set size (high-water mark), for `emotion bench`.

import EmotionTraining
import Foundation

public enum PeakMemory {
    /// The peak resident set size of this process in MiB: Linux's `VmHWM` from /proc/self/status, else
    /// `getrusage`'s `ru_maxrss` (KiB on Linux, bytes on macOS). The same figure Python's
    /// `resource.getrusage(RUSAGE_SELF).ru_maxrss` gives, so the sides of the comparison agree.
    public static func residentMegabytes() -> Double {
        if let kibibytes = highWaterMarkFromProc() {
            return Double(kibibytes) / 1024
        }
        var usage = rusage()
        #if os(Linux)
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / (1024 * 1024)
        #endif
    }

    /// `VmHWM:   123456 kB` → 123456, or nil without /proc.
    private static func highWaterMarkFromProc() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(whereSeparator: \.isWhitespace)
            return fields.count >= 2 ? Int(fields[1]) : nil
        }
        return nil
    }
}
