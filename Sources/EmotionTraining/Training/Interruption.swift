// Stopping a run early and cleanly: a request (from a Ctrl-C or SIGTERM handler, on any thread) that the
// run honours between two training steps, after saving a checkpoint.

import Foundation

/// A stop request shared between a signal handler and a run. Thread-safe.
public final class Interruption: @unchecked Sendable {
    // @unchecked: `requestedSignal` is only touched with `lock` held.
    private let lock = NSLock()
    private var requestedSignal: Int32?

    public init() {}

    /// Asks the run to stop; `signal` is what asked (SIGINT, SIGTERM). Returns false when a stop was already
    /// requested (a second Ctrl-C).
    @discardableResult
    public func request(signal: Int32) -> Bool {
        lock.withLock {
            guard requestedSignal == nil else { return false }
            requestedSignal = signal
            return true
        }
    }

    /// The signal that requested a stop, or nil while none did.
    public var signal: Int32? { lock.withLock { requestedSignal } }
}

/// Thrown by `TrainingRun.fit()` (and a fine-tuning job's frozen pass) when an interruption stopped it.
public struct TrainingInterrupted: Error, Equatable {
    /// The signal that asked for the stop.
    public let signal: Int32
    /// Where the run stood: the epoch in progress (1-based, of `totalEpochs`) and the steps of it done, or
    /// nil when training had not begun (the frozen pass of a fine-tuning job).
    public let epoch: Int?
    public let totalEpochs: Int
    public let step: Int
    public let steps: Int
    /// The checkpoint written on the way out, if the run has a checkpoint folder.
    public let checkpoint: URL?
}
