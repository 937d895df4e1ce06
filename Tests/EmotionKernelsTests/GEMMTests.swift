// Fast sgemm vs the naive reference: every transpose, odd and block-crossing sizes, alpha/beta, leading dims.

import EmotionTestSupport
import Testing

@testable import EmotionKernels

struct GEMMCase: CustomStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    var transA = false, transB = false
    var alpha: Float = 1, beta: Float = 0
    var padding = 0  // extra floats per row of A, B and C (leading dimension > width)

    var description: String { "m\(m) n\(n) k\(k) tA\(transA) tB\(transB) α\(alpha) β\(beta) pad\(padding)" }
}

private let shapes: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 17, 5), (7, 1, 3), (5, 3, 1), (6, 16, 8), (13, 33, 29), (64, 64, 64),
    (97, 45, 300), (200, 130, 33), (32, 128, 700), (301, 37, 19), (8, 600, 9),
]

private let gemmCases: [GEMMCase] = shapes.flatMap { m, n, k in
    [(false, false), (true, false), (false, true), (true, true)].map { transA, transB in
        GEMMCase(m: m, n: n, k: k, transA: transA, transB: transB)
    }
} + [
    GEMMCase(m: 19, n: 23, k: 31, alpha: 0.5, beta: 1),
    GEMMCase(m: 19, n: 23, k: 31, transA: true, alpha: -2, beta: 0.25, padding: 3),
    GEMMCase(m: 70, n: 50, k: 260, transB: true, alpha: 1, beta: -1, padding: 5),
    GEMMCase(m: 3, n: 40, k: 2, transA: true, transB: true, beta: 0, padding: 1),
    // Wide op(B): computed as Cᵀ = op(B)ᵀ · op(A)ᵀ with transposed stores (the Dense input-gradient shape).
    GEMMCase(m: 32, n: 700, k: 64, transB: true),
    GEMMCase(m: 13, n: 900, k: 300, transB: true, alpha: 2, beta: 0.5, padding: 2),
    GEMMCase(m: 7, n: 500, k: 20, transA: true, transB: true, beta: 1),
]

/// The operands of one case: A, B and the initial C (NaN where beta == 0, which must ignore it).
private func operands(_ testCase: GEMMCase) -> (a: [Float], b: [Float], c: [Float], lda: Int, ldb: Int, ldc: Int) {
    let (m, n, k) = (testCase.m, testCase.n, testCase.k)
    let (aRows, aColumns) = testCase.transA ? (k, m) : (m, k)
    let (bRows, bColumns) = testCase.transB ? (n, k) : (k, n)
    let (lda, ldb, ldc) = (aColumns + testCase.padding, bColumns + testCase.padding, n + testCase.padding)
    let c = testCase.beta == 0 ? [Float](repeating: .nan, count: m * ldc) : randomFloats(m * ldc, seed: 3)
    return (randomFloats(aRows * lda, seed: 1), randomFloats(bRows * ldb, seed: 2), c, lda, ldb, ldc)
}

/// C after `Kernels.sgemm` on the active variant.
private func fastProduct(_ testCase: GEMMCase) -> [Float] {
    let (a, b, initialC, lda, ldb, ldc) = operands(testCase)
    var c = initialC
    Kernels.sgemm(
        transA: testCase.transA, transB: testCase.transB, m: testCase.m, n: testCase.n, k: testCase.k,
        alpha: testCase.alpha, a: a, lda: lda, b: b, ldb: ldb, beta: testCase.beta, c: &c, ldc: ldc)
    return c
}

@Test("sgemm matches the reference on every kernel variant", arguments: gemmCases, Kernels.Variant.allCases)
func sgemmMatchesReference(_ testCase: GEMMCase, variant: Kernels.Variant) {
    Kernels.withVariant(variant) {
        let (m, n, k) = (testCase.m, testCase.n, testCase.k)
        let (a, b, initialC, lda, ldb, ldc) = operands(testCase)
        let fast = fastProduct(testCase)
        var expected = initialC
        Kernels.Reference.sgemm(
            transA: testCase.transA, transB: testCase.transB, m: m, n: n, k: k, alpha: testCase.alpha,
            a: a, lda: lda, b: b, ldb: ldb, beta: testCase.beta, c: &expected, ldc: ldc)
        // Only the m×n window may change; padding columns keep their old contents (NaN stays NaN there).
        let window = { (values: [Float]) in (0..<m).flatMap { i in values[(i * ldc)..<(i * ldc + n)] } }
        #expect(maxAbsoluteDifference(window(fast), window(expected)) <= 1e-5 * Float(k) + 1e-5)
        for i in 0..<m {
            for j in n..<ldc {
                #expect(fast[i * ldc + j].bitPattern == initialC[i * ldc + j].bitPattern)
            }
        }
    }
}

@Test("sgemm gives the same bits on every kernel variant (every tile width slices K alike)",
      arguments: gemmCases + [GEMMCase(m: 40, n: 70, k: 1000), GEMMCase(m: 9, n: 48, k: 600, transA: true)])
func sgemmIsBitIdenticalAcrossVariants(_ testCase: GEMMCase) {
    let products = Kernels.Variant.allCases.map { variant in Kernels.withVariant(variant) { fastProduct(testCase) } }
    for product in products.dropFirst() {
        #expect(product.map(\.bitPattern) == products[0].map(\.bitPattern))
    }
}

@Test func sgemmWithZeroInnerDimensionScalesC() {
    var c: [Float] = [1, 2, 3, 4]
    let empty: [Float] = [0]
    Kernels.sgemm(
        transA: false, transB: false, m: 2, n: 2, k: 0, alpha: 1, a: empty, lda: 1, b: empty, ldb: 2,
        beta: 0.5, c: &c, ldc: 2)
    #expect(c == [0.5, 1, 1.5, 2])
}
