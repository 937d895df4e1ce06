// Unaligned SIMD loads and stores on Float pointers, shared by the kernels' vector loops, and a cache
// prefetch.

@inline(__always)
func loadVector<V: SIMD>(_ pointer: UnsafePointer<Float>, as type: V.Type = V.self) -> V where V.Scalar == Float {
    UnsafeRawPointer(pointer).loadUnaligned(as: V.self)
}

@inline(__always)
func storeVector<V: SIMD>(_ vector: V, _ pointer: UnsafeMutablePointer<Float>) where V.Scalar == Float {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: V.self)
}

/// LLVM's prefetch intrinsic (address, 0 read / 1 write, locality 0-3, 1 data cache): a hint, never a fault.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)

/// Brings the cache line holding `pointer` towards L1, to be written.
@inline(__always)
func prefetchForWriting(_ pointer: UnsafeMutablePointer<Float>) {
    llvmPrefetch(UnsafeRawPointer(pointer), 1, 3, 1)
}
