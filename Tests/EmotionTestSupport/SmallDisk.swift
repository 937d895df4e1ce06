// A tiny file system to fill up: a tmpfs of a few hundred kilobytes mounted for one test, so that writes
// fail with "No space left on device" as on a full disk. Mounting needs root on Linux; elsewhere, and when
// the mount is refused (containers without the capability), tests that need it are skipped.

import Foundation

public final class SmallDisk {
    /// Where the file system is mounted.
    public let url: URL

    /// Mounts a tmpfs of `kilobytes` at a fresh temporary folder; nil when that is not possible here.
    public init?(kilobytes: Int) {
        #if os(Linux)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emotion-small-disk-\(UUID().uuidString)")
        guard (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)) != nil,
              Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", folder.path])
        else { return nil }
        url = folder
        #else
        return nil
        #endif
    }

    deinit {
        _ = Self.run("/bin/umount", [url.path])
        try? FileManager.default.removeItem(at: url)
    }

    /// Whether a small disk can be mounted on this machine (tried once).
    public static let isAvailable: Bool = SmallDisk(kilobytes: 64) != nil

    /// Runs a mount tool as root; false when not root, missing, or refused.
    private static func run(_ program: String, _ arguments: [String]) -> Bool {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: program) else { return false }
        guard let tool = try? ChildProcess(URL(fileURLWithPath: program), arguments, timeout: 60) else { return false }
        return tool.wait().status == 0
    }
}
