// BufferPool: the caching allocator behind every tensor's storage and every op's scratch memory.
//
// A training step creates and frees the same buffers in the same sizes every time. Returning them to the
// system and asking again costs page faults on every touch (half of a task1-large step was spent that way),
// so freed blocks are kept by size class and handed out again: after the first step of a given shape, a
// step allocates no new memory. Idle blocks are capped at 1.5 times the high-water mark of memory in use:
// a step's blocks do not all fit one another's sizes, so a cap of exactly one working set made a step free
// a block and allocate it again every time, while a cap bounds what varied shapes can leave behind.

import Foundation

/// Memory blocks by size class, reused instead of freed. Thread-safe.
public final class BufferPool: @unchecked Sendable {
    // @unchecked: every mutable field is only touched with `lock` held.

    /// The pool tensors allocate from: the process-wide one unless a caller activated its own.
    @TaskLocal public static var current = BufferPool()

    /// A block handed out by a pool: `capacity` bytes (at least the size asked for) at `pointer`.
    public struct Block: @unchecked Sendable {
        // @unchecked: a raw address; whoever holds the block owns the memory.
        public let pointer: UnsafeMutableRawPointer
        public let capacity: Int
    }

    /// What the pool has done so far.
    public struct Statistics: Sendable, Equatable {
        /// Blocks obtained from the system (pool misses).
        public var freshAllocations = 0
        /// Requests served by a cached block.
        public var reusedAllocations = 0
        /// Bytes in blocks handed out and not yet returned.
        public var bytesInUse = 0
        /// Bytes in idle cached blocks.
        public var bytesCached = 0
        /// The largest `bytesInUse` seen.
        public var peakBytesInUse = 0
    }

    /// Blocks are aligned for any SIMD load the kernels do.
    static let alignment = 64
    /// Idle bytes the cache may keep even before that much memory was ever in use.
    static let minimumCacheBytes = 64 << 20
    /// A request may take a cached block up to this many size classes larger (at most ~28% unused), so a
    /// short last batch reuses the full batches' buffers.
    static let largerClassesAccepted = 2

    private let lock = NSLock()
    private var idleBlocks: [Int: [UnsafeMutableRawPointer]] = [:]
    private var stats = Statistics()

    public init() {}

    deinit {
        releaseCached()
    }

    public var statistics: Statistics {
        lock.withLock { stats }
    }

    /// Runs `body` with this pool as `BufferPool.current` (for this task and the code it calls synchronously).
    public func activate<Result>(_ body: () throws -> Result) rethrows -> Result {
        try BufferPool.$current.withValue(self, operation: body)
    }

    /// A block of at least `byteCount` bytes, 64-byte aligned, contents undefined. Give it back with
    /// `deallocate(_:)`.
    public func allocate(byteCount: Int) -> Block {
        let requested = Self.sizeClass(of: byteCount)
        lock.lock()
        defer { lock.unlock() }
        var capacity = requested
        for _ in 0...Self.largerClassesAccepted {
            if let pointer = idleBlocks[capacity]?.popLast() {
                stats.reusedAllocations += 1
                stats.bytesCached -= capacity
                recordInUse(capacity)
                return Block(pointer: pointer, capacity: capacity)
            }
            capacity = Self.sizeClass(of: capacity + 1)
        }
        stats.freshAllocations += 1
        recordInUse(requested)
        return Block(pointer: .allocate(byteCount: requested, alignment: Self.alignment), capacity: requested)
    }

    /// Takes back a block from `allocate(byteCount:)`: cached for reuse, or freed when the cache is full.
    public func deallocate(_ block: Block) {
        lock.lock()
        stats.bytesInUse -= block.capacity
        let keep = stats.bytesCached + block.capacity <= max(stats.peakBytesInUse * 3 / 2, Self.minimumCacheBytes)
        if keep {
            idleBlocks[block.capacity, default: []].append(block.pointer)
            stats.bytesCached += block.capacity
        }
        lock.unlock()
        if !keep { block.pointer.deallocate() }
    }

    /// Frees every idle block (memory in use is untouched), e.g. once a training run is over.
    public func releaseCached() {
        let blocks = lock.withLock {
            let all = idleBlocks.values.joined()
            let result = Array(all)
            idleBlocks.removeAll()
            stats.bytesCached = 0
            return result
        }
        blocks.forEach { $0.deallocate() }
    }

    /// Runs `body` with scratch memory for `count` values of `type`, returned to the pool afterwards.
    public func withScratch<Element, Result>(
        _ type: Element.Type, count: Int, _ body: (UnsafeMutablePointer<Element>) throws -> Result
    ) rethrows -> Result {
        let block = allocate(byteCount: max(count, 1) * MemoryLayout<Element>.stride)
        defer { deallocate(block) }
        return try body(block.pointer.bindMemory(to: Element.self, capacity: max(count, 1)))
    }

    private func recordInUse(_ bytes: Int) {
        stats.bytesInUse += bytes
        stats.peakBytesInUse = max(stats.peakBytesInUse, stats.bytesInUse)
    }

    /// Sizes up to 4 KiB are rounded up to a power of two (at least 64 bytes); larger ones to one of eight
    /// steps per power of two (so at most 12.5% of a large block is unused).
    static func sizeClass(of byteCount: Int) -> Int {
        let bytes = max(byteCount, 64)
        let highestBit = 1 << (Int.bitWidth - 1 - (bytes - 1).leadingZeroBitCount)
        if bytes <= 4096 { return highestBit == bytes ? bytes : highestBit << 1 }
        let step = highestBit / 8
        return (bytes + step - 1) / step * step
    }
}
