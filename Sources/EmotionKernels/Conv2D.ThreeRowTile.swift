// A 3×(4·V) register tile for the convolution weight gradient (dW = colᵀ · dY): three consecutive patch
// elements against 32 (SIMD8) or 64 (SIMD16) output channels, streamed over output pixels.
//
// It serves kernel rows of 3·k elements that six-row blocks would split across kernel rows, above all
// KW·C = 9 (a 3-tap kernel row over RGB: the first layer of every image network): per pixel 12
// multiply-adds for 3 broadcasts and 4 loads (the 6×NR tile needs 6 and 2), in 12 accumulators plus 3
// broadcasts and 1 B register: the 16 vector registers of AVX2, or 16 of AVX-512's 32.

struct ThreeRowTile<V: TileVector> {
    static var rows: Int { 3 }
    static var columns: Int { 4 * V.scalarCount }

    var c00 = V(), c01 = V(), c02 = V(), c03 = V()
    var c10 = V(), c11 = V(), c12 = V(), c13 = V()
    var c20 = V(), c21 = V(), c22 = V(), c23 = V()

    /// tile[r][j] += a[q·depthStep + r] · b[q·ldb + j] for q in 0..<count.
    @inline(__always)
    mutating func accumulate(
        consecutive a: UnsafePointer<Float>, depthStep: Int, count: Int, b: UnsafePointer<Float>, ldb: Int
    ) {
        let width = V.scalarCount
        var pa = a
        var pb = b
        for _ in 0..<count {
            let a0 = V(repeating: pa[0])
            let a1 = V(repeating: pa[1])
            let a2 = V(repeating: pa[2])
            var bj: V = loadVector(pb)
            c00.addProduct(a0, bj); c10.addProduct(a1, bj); c20.addProduct(a2, bj)
            bj = loadVector(pb + width)
            c01.addProduct(a0, bj); c11.addProduct(a1, bj); c21.addProduct(a2, bj)
            bj = loadVector(pb + 2 * width)
            c02.addProduct(a0, bj); c12.addProduct(a1, bj); c22.addProduct(a2, bj)
            bj = loadVector(pb + 3 * width)
            c03.addProduct(a0, bj); c13.addProduct(a1, bj); c23.addProduct(a2, bj)
            pa += depthStep
            pb += ldb
        }
    }

    /// c[r·ldc + j] += tile[r][j] for the whole tile.
    @inline(__always)
    func add(into c: UnsafeMutablePointer<Float>, ldc: Int) {
        let width = V.scalarCount
        @inline(__always)
        func addRow(_ v0: V, _ v1: V, _ v2: V, _ v3: V, _ row: Int) {
            let target = c + row * ldc
            storeVector(loadVector(target) as V + v0, target)
            storeVector(loadVector(target + width) as V + v1, target + width)
            storeVector(loadVector(target + 2 * width) as V + v2, target + 2 * width)
            storeVector(loadVector(target + 3 * width) as V + v3, target + 3 * width)
        }
        addRow(c00, c01, c02, c03, 0)
        addRow(c10, c11, c12, c13, 1)
        addRow(c20, c21, c22, c23, 2)
    }
}
