// BufferPool: size classes, reuse of freed blocks (also by a slightly smaller request), the idle-memory cap,
// and tensors taking their storage from the active pool.

import Testing
@testable import EmotionTensor

@Suite struct BufferPoolTests {
    @Test func sizeClassesRoundUpWithBoundedWaste() {
        #expect(BufferPool.sizeClass(of: 0) == 64)
        #expect(BufferPool.sizeClass(of: 64) == 64)
        #expect(BufferPool.sizeClass(of: 65) == 128)
        #expect(BufferPool.sizeClass(of: 3584) == 4096)
        #expect(BufferPool.sizeClass(of: 4096) == 4096)
        #expect(BufferPool.sizeClass(of: 4097) == 4608)
        #expect(BufferPool.sizeClass(of: 10_000) == 10_240)
        #expect(BufferPool.sizeClass(of: 1 << 30) == 1 << 30)
        for bytes in stride(from: 4097, to: 50_000_000, by: 9_973) {
            let size = BufferPool.sizeClass(of: bytes)
            #expect(size >= bytes && Double(size) <= Double(bytes) * 1.125, "class \(size) for \(bytes) bytes")
            #expect(BufferPool.sizeClass(of: size) == size)
        }
    }

    @Test func freedBlocksAreReusedIncludingBySlightlySmallerRequests() {
        let pool = BufferPool()
        let first = pool.allocate(byteCount: 10_000)
        #expect(first.capacity == 10_240)
        #expect(Int(bitPattern: first.pointer) % 64 == 0)
        pool.deallocate(first)
        let again = pool.allocate(byteCount: 9_000)  // class 9,216: one class below 10,240
        #expect(again.pointer == first.pointer && again.capacity == 10_240)
        let other = pool.allocate(byteCount: 5_000)  // three classes below: a new block
        #expect(other.pointer != first.pointer)
        #expect(pool.statistics == BufferPool.Statistics(
            freshAllocations: 2, reusedAllocations: 1, bytesInUse: 10_240 + 5_120, bytesCached: 0,
            peakBytesInUse: 10_240 + 5_120))
        pool.deallocate(again)
        pool.deallocate(other)
        #expect(pool.statistics.bytesInUse == 0 && pool.statistics.bytesCached == 10_240 + 5_120)
        pool.releaseCached()
        #expect(pool.statistics.bytesCached == 0)
    }

    @Test func idleMemoryIsCappedAtOneAndAHalfTimesThePeakInUse() {
        let pool = BufferPool()
        let megabyte = 1 << 20
        let large = pool.allocate(byteCount: 80 * megabyte)
        pool.deallocate(large)  // cached: 80 MiB, within 1.5 x the 80 MiB peak
        let medium = pool.allocate(byteCount: 40 * megabyte)  // another class: a new block
        pool.deallocate(medium)  // 120 MiB idle: exactly the cap, kept
        let small = pool.allocate(byteCount: 20 * megabyte)
        pool.deallocate(small)  // 140 MiB idle would exceed the 120 MiB cap: freed
        #expect(pool.statistics.bytesCached == 120 * megabyte)
        #expect(pool.statistics.freshAllocations == 3)
    }

    @Test func tensorsTakeTheirStorageFromTheActivePoolAndGiveItBack() {
        let pool = BufferPool()
        pool.activate {
            do {
                let a = Tensor(shape: [1000], repeating: 1)
                #expect(pool.statistics.bytesInUse == 4096)
                var b = a
                b.withUnsafeMutableBufferPointer { $0[0] = 2 }  // copy on write: a new storage from the pool
                #expect(b.scalars[0] == 2 && b.scalars[1] == 1 && a.scalars[0] == 1)
                #expect(pool.statistics.freshAllocations == 2)
            }
            #expect(pool.statistics.bytesInUse == 0)
            let c = Tensor(shape: [1000], repeating: 3)
            #expect(c.scalars.allSatisfy { $0 == 3 })
            #expect(pool.statistics.freshAllocations == 2 && pool.statistics.reusedAllocations == 1)
        }
        #expect(BufferPool.current !== pool)
    }
}
