// A 3×32 register tile for the convolution weight gradient (dW = colᵀ · dY): three consecutive patch
// elements against 32 output channels, streamed over output pixels.
//
// It serves kernel rows of 3·k elements that six-row blocks would split across kernel rows, above all
// KW·C = 9 (a 3-tap kernel row over RGB: the first layer of every image network): per pixel 12
// multiply-adds for 3 broadcasts and 4 loads (the 6×16 tile needs 6 and 2), in 12 accumulators plus 3
// broadcasts and 1 B register, the 16 vector registers of AVX2.

struct ThreeRowTile {
    static let rows = 3
    static let columns = 32

    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c02 = SIMD8<Float>(), c03 = SIMD8<Float>()
    var c10 = SIMD8<Float>(), c11 = SIMD8<Float>(), c12 = SIMD8<Float>(), c13 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c22 = SIMD8<Float>(), c23 = SIMD8<Float>()

    /// tile[r][j] += a[q·depthStep + r] · b[q·ldb + j] for q in 0..<count.
    @inline(__always)
    mutating func accumulate(
        consecutive a: UnsafePointer<Float>, depthStep: Int, count: Int, b: UnsafePointer<Float>, ldb: Int
    ) {
        var pa = a
        var pb = b
        for _ in 0..<count {
            let a0 = SIMD8<Float>(repeating: pa[0])
            let a1 = SIMD8<Float>(repeating: pa[1])
            let a2 = SIMD8<Float>(repeating: pa[2])
            var bj: SIMD8<Float> = loadVector(pb)
            c00.addProduct(a0, bj); c10.addProduct(a1, bj); c20.addProduct(a2, bj)
            bj = loadVector(pb + 8)
            c01.addProduct(a0, bj); c11.addProduct(a1, bj); c21.addProduct(a2, bj)
            bj = loadVector(pb + 16)
            c02.addProduct(a0, bj); c12.addProduct(a1, bj); c22.addProduct(a2, bj)
            bj = loadVector(pb + 24)
            c03.addProduct(a0, bj); c13.addProduct(a1, bj); c23.addProduct(a2, bj)
            pa += depthStep
            pb += ldb
        }
    }

    /// c[r·ldc + j] += tile[r][j] for the 3×32 tile.
    @inline(__always)
    func add(into c: UnsafeMutablePointer<Float>, ldc: Int) {
        @inline(__always)
        func addRow(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>, _ row: Int) {
            let target = c + row * ldc
            storeVector(loadVector(target) as SIMD8<Float> + v0, target)
            storeVector(loadVector(target + 8) as SIMD8<Float> + v1, target + 8)
            storeVector(loadVector(target + 16) as SIMD8<Float> + v2, target + 16)
            storeVector(loadVector(target + 24) as SIMD8<Float> + v3, target + 24)
        }
        addRow(c00, c01, c02, c03, 0)
        addRow(c10, c11, c12, c13, 1)
        addRow(c20, c21, c22, c23, 2)
    }
}
