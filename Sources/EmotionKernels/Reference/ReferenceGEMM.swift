// Naive twin of `Kernels.sgemm`, used only by tests to check the fast kernel.
//
// Legend: M rows of C and op(A), N columns of C and op(B), K the shared inner dimension.

extension Kernels {
    /// Straightforward, obviously correct versions of the fast kernels (no blocking, SIMD or threads).
    public enum Reference {}
}

extension Kernels.Reference {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, accumulated in Double. beta == 0 ignores C's old contents.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var total = 0.0
                for p in 0..<k {
                    let aValue = transA ? a[p * lda + i] : a[i * lda + p]
                    let bValue = transB ? b[j * ldb + p] : b[p * ldb + j]
                    total += Double(aValue) * Double(bValue)
                }
                let scaled = Float(total) * alpha
                c[i * ldc + j] = beta == 0 ? scaled : scaled + beta * c[i * ldc + j]
            }
        }
    }
}
