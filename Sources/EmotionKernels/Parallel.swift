// Parallel loops over disjoint pieces of output, on `DispatchQueue.concurrentPerform`.
//
// Kernels split their output into chunks that no two workers share, so the kernels need no locks or atomics.

import Dispatch
import Foundation

extension Kernels {
    private static let threadCountStorage = ThreadCountStorage()

    /// How many threads the kernels use (default: the active processor count). Settable at any time, e.g.
    /// by a benchmark; values below 1 are treated as 1.
    public static var threadCount: Int {
        get { threadCountStorage.value }
        set { threadCountStorage.value = max(1, newValue) }
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks`, concurrently when there is more than one chunk
    /// and more than one thread. `body` must only write outputs that belong to its chunk.
    @inline(__always)
    static func parallelFor(chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 1 || threadCount <= 1 {
            for chunk in 0..<chunks { body(chunk) }
        } else {
            // Kernels hand each chunk disjoint output memory, so sharing `body` across workers is safe.
            withoutActuallyEscaping(body) { body in
                nonisolated(unsafe) let sharedBody = body
                DispatchQueue.concurrentPerform(iterations: chunks) { sharedBody($0) }
            }
        }
    }

    /// Splits `0..<count` into at most `threadCount` contiguous ranges whose sizes are multiples of
    /// `granularity` (except the last), each at least `minimumPerChunk` long, and runs them in parallel.
    static func parallelRanges(
        count: Int, granularity: Int = 1, minimumPerChunk: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let units = (count + granularity - 1) / granularity
        let minimumUnits = max(1, (minimumPerChunk + granularity - 1) / granularity)
        let chunks = max(1, min(threadCount, units / minimumUnits, units))
        if chunks == 1 {
            body(0..<count)
            return
        }
        parallelFor(chunks: chunks) { chunk in
            let lower = min(count, (units * chunk / chunks) * granularity)
            let upper = min(count, (units * (chunk + 1) / chunks) * granularity)
            if lower < upper { body(lower..<upper) }
        }
    }
}

/// A lock-protected Int, so `Kernels.threadCount` is safe to read and write from any thread.
private final class ThreadCountStorage: @unchecked Sendable {
    private let lock = NSLock()
    private var storedValue = ProcessInfo.processInfo.activeProcessorCount

    var value: Int {
        get { lock.lock(); defer { lock.unlock() }; return storedValue }
        set { lock.lock(); storedValue = newValue; lock.unlock() }
    }
}
