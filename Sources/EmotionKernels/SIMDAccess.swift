// Unaligned SIMD loads and stores on Float pointers, shared by the kernels' vector loops.

@inline(__always)
func loadVector<V: SIMD>(_ pointer: UnsafePointer<Float>, as type: V.Type = V.self) -> V where V.Scalar == Float {
    UnsafeRawPointer(pointer).loadUnaligned(as: V.self)
}

@inline(__always)
func storeVector<V: SIMD>(_ vector: V, _ pointer: UnsafeMutablePointer<Float>) where V.Scalar == Float {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: V.self)
}
