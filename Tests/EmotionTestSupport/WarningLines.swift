// Lines collected from any thread: the warnings a loader reports from its worker threads.

import Foundation

public final class WarningLines: @unchecked Sendable {
    // @unchecked: `lines` is only touched with `lock` held.
    private let lock = NSLock()
    private var lines: [String] = []

    public init() {}

    /// Every line so far, in the order they arrived.
    public var all: [String] { lock.withLock { lines } }

    public func add(_ line: String) { lock.withLock { lines.append(line) } }
}
