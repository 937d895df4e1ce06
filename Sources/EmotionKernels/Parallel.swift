// Parallel loops over disjoint pieces of output, on `DispatchQueue.concurrentPerform`.
//
// Kernels split their output into chunks that no two workers share, so the kernels need no locks or atomics.

import Dispatch
import Foundation

extension Kernels {
    /// The thread count of the current scope, if one was set with `withThreadCount`.
    @TaskLocal private static var scopedThreadCount: Int?

    /// How many threads the kernels use: the innermost `withThreadCount` value, or the active processor
    /// count. Read once per kernel call on the calling thread (task-local values do not reach the workers).
    public static var threadCount: Int {
        scopedThreadCount ?? processorCount
    }

    /// The processors this process may run on.
    static let processorCount = ProcessInfo.processInfo.activeProcessorCount

    /// Runs `body` with the kernels on `count` threads (values below 1 count as 1), for the calling task and
    /// the code it calls synchronously; the previous count is back when `body` returns. A benchmark or a
    /// test scopes its setting this way instead of changing a global.
    public static func withThreadCount<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
        try $scopedThreadCount.withValue(max(1, count), operation: body)
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
