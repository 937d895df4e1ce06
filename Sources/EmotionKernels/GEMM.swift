// Single-precision matrix multiply (BLAS sgemm, row-major): packed panels, cache blocking, a 6×16 register
// block of FMA accumulators, and a split of C over the threads.
//
// Legend: M rows of C and op(A), N columns of C and op(B), K the shared inner dimension.
// MR×NR = the register block (6×16), KC/MC/NC = the cache blocks of K, M and N.
//
// Loop order (the BLIS/GotoBLAS scheme): for each NC-wide column block of B and KC-deep slice of K, pack that
// slice of B into NR-wide panels (it stays in L3/L2); for each MC-tall row block of A, pack A into MR-tall
// panels (it stays in L2); then every MR×NR tile of C is one micro-kernel call streaming both panels, with
// the B panel (KC·NR floats) staying in L1 across the row panels.

extension Kernels {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C (row-major; op = transpose when trans*). beta == 0 ignores
    /// C's old contents (they may be NaN).
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        let left = GEMMOperand(base: a, leadingDimension: lda, isTransposed: transA)
        let right = GEMMOperand(base: b, leadingDimension: ldb, isTransposed: transB)
        let workers = GEMM.workerCount(m: m, n: n, k: k)
        // Split the larger of M and N: each worker packs all of the other operand, so that one is duplicated.
        let splitRows = m >= n
        let chunks = workers == 1 ? 1 : min(workers, splitRows ? GEMM.panels(m, GEMM.mr) : GEMM.panels(n, GEMM.nr))
        parallelFor(chunks: chunks) { chunk in
            let buffers = GEMMBuffers(packedACount: GEMM.packedACount(k: k), packedBCount: GEMM.packedBCount(k: k, n: n))
            defer { buffers.deallocate() }
            if splitRows {
                let rows = GEMM.chunkRange(count: m, granularity: GEMM.mr, chunk: chunk, of: chunks)
                GEMM.multiply(
                    m: rows.count, n: n, k: k, alpha: alpha, a: left.offset(rows: rows.lowerBound), b: right,
                    beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc, buffers: buffers)
            } else {
                let columns = GEMM.chunkRange(count: n, granularity: GEMM.nr, chunk: chunk, of: chunks)
                GEMM.multiply(
                    m: m, n: columns.count, k: k, alpha: alpha, a: left, b: right.offset(columns: columns.lowerBound),
                    beta: beta, c: c + columns.lowerBound, ldc: ldc, buffers: buffers)
            }
        }
    }
}

/// op(X) of one sgemm operand: element (row, column) is base[row·ld + column], or base[column·ld + row]
/// when transposed.
struct GEMMOperand {
    var base: UnsafePointer<Float>
    var leadingDimension: Int
    var isTransposed: Bool

    /// The operand starting `rows` rows further down op(X).
    func offset(rows: Int) -> GEMMOperand {
        var moved = self
        moved.base += isTransposed ? rows : rows * leadingDimension
        return moved
    }

    /// The operand starting `columns` columns further right in op(X).
    func offset(columns: Int) -> GEMMOperand {
        var moved = self
        moved.base += isTransposed ? columns * leadingDimension : columns
        return moved
    }
}

/// The 6×16 block of C a micro-kernel keeps in twelve SIMD8 registers.
struct AccumulatorTile {
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
    var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
    var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
    var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()

    /// tile += a ⊗ b for one depth step: six A values (one per row) times 16 B values.
    @inline(__always)
    mutating func multiplyAdd(
        _ a0: Float, _ a1: Float, _ a2: Float, _ a3: Float, _ a4: Float, _ a5: Float, _ b: UnsafePointer<Float>
    ) {
        let b0: SIMD8<Float> = loadVector(b)
        let b1: SIMD8<Float> = loadVector(b + 8)
        var broadcast = SIMD8<Float>(repeating: a0)
        c00.addProduct(broadcast, b0); c01.addProduct(broadcast, b1)
        broadcast = SIMD8<Float>(repeating: a1)
        c10.addProduct(broadcast, b0); c11.addProduct(broadcast, b1)
        broadcast = SIMD8<Float>(repeating: a2)
        c20.addProduct(broadcast, b0); c21.addProduct(broadcast, b1)
        broadcast = SIMD8<Float>(repeating: a3)
        c30.addProduct(broadcast, b0); c31.addProduct(broadcast, b1)
        broadcast = SIMD8<Float>(repeating: a4)
        c40.addProduct(broadcast, b0); c41.addProduct(broadcast, b1)
        broadcast = SIMD8<Float>(repeating: a5)
        c50.addProduct(broadcast, b0); c51.addProduct(broadcast, b1)
    }

    /// Writes the tile row-major (6 rows of 16) to `t`.
    @inline(__always)
    func spill(to t: UnsafeMutablePointer<Float>) {
        storeVector(c00, t); storeVector(c01, t + 8)
        storeVector(c10, t + 16); storeVector(c11, t + 24)
        storeVector(c20, t + 32); storeVector(c21, t + 40)
        storeVector(c30, t + 48); storeVector(c31, t + 56)
        storeVector(c40, t + 64); storeVector(c41, t + 72)
        storeVector(c50, t + 80); storeVector(c51, t + 88)
    }

    /// c[r·ldc + j] += tile[r][j] for the top-left rows×columns.
    @inline(__always)
    func add(into c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int) {
        if columns == 16 {
            @inline(__always) func addRow(_ low: SIMD8<Float>, _ high: SIMD8<Float>, _ row: UnsafeMutablePointer<Float>) {
                storeVector(loadVector(row) as SIMD8<Float> + low, row)
                storeVector(loadVector(row + 8) as SIMD8<Float> + high, row + 8)
            }
            addRow(c00, c01, c)
            if rows > 1 { addRow(c10, c11, c + ldc) }
            if rows > 2 { addRow(c20, c21, c + 2 * ldc) }
            if rows > 3 { addRow(c30, c31, c + 3 * ldc) }
            if rows > 4 { addRow(c40, c41, c + 4 * ldc) }
            if rows > 5 { addRow(c50, c51, c + 5 * ldc) }
        } else {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 96) { tile in
                let t = tile.baseAddress!
                spill(to: t)
                for r in 0..<rows {
                    for j in 0..<columns { c[r * ldc + j] += t[r * 16 + j] }
                }
            }
        }
    }
}

/// The six A-row pointers of one in-place micro-kernel call (unused rows may repeat a valid pointer).
struct RowPointers {
    var r0, r1, r2, r3, r4, r5: UnsafePointer<Float>

    init(repeating pointer: UnsafePointer<Float>) {
        (r0, r1, r2, r3, r4, r5) = (pointer, pointer, pointer, pointer, pointer, pointer)
    }

    subscript(row: Int) -> UnsafePointer<Float> {
        get {
            switch row {
            case 0: r0
            case 1: r1
            case 2: r2
            case 3: r3
            case 4: r4
            default: r5
            }
        }
        set {
            switch row {
            case 0: r0 = newValue
            case 1: r1 = newValue
            case 2: r2 = newValue
            case 3: r3 = newValue
            case 4: r4 = newValue
            default: r5 = newValue
            }
        }
    }
}

/// The packing buffers of one worker, 64-byte aligned.
struct GEMMBuffers {
    let packedA: UnsafeMutablePointer<Float>
    let packedB: UnsafeMutablePointer<Float>

    init(packedACount: Int, packedBCount: Int) {
        packedA = UnsafeMutableRawPointer.allocate(byteCount: packedACount * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: packedACount)
        packedB = UnsafeMutableRawPointer.allocate(byteCount: packedBCount * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: packedBCount)
    }

    /// Buffers carved out of a caller's workspace (no allocation); see `GEMM.packedACount` and `packedBCount`.
    init(packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>) {
        self.packedA = packedA
        self.packedB = packedB
    }

    func deallocate() {
        UnsafeMutableRawPointer(packedA).deallocate()
        UnsafeMutableRawPointer(packedB).deallocate()
    }
}

/// The blocked, single-threaded GEMM engine behind `Kernels.sgemm` and the convolutions.
enum GEMM {
    static let mr = 6
    static let nr = 16
    static let kc = 256
    static let mc = 168
    static let nc = 4080

    /// Below about this many multiply-adds a second thread costs more than it saves.
    static let parallelThreshold = 1 << 18

    @inline(__always)
    static func panels(_ count: Int, _ width: Int) -> Int { (count + width - 1) / width }

    static func workerCount(m: Int, n: Int, k: Int) -> Int {
        m * n * max(k, 1) < parallelThreshold ? 1 : Kernels.threadCount
    }

    /// Chunk `chunk` of `chunks` near-equal pieces of `0..<count`, each a multiple of `granularity` long
    /// except the last.
    static func chunkRange(count: Int, granularity: Int, chunk: Int, of chunks: Int) -> Range<Int> {
        let units = panels(count, granularity)
        let lower = min(count, units * chunk / chunks * granularity)
        let upper = min(count, units * (chunk + 1) / chunks * granularity)
        return lower..<upper
    }

    /// Floats of packed A one worker needs: one MC×KC block (rounded up to whole MR panels).
    static func packedACount(k: Int) -> Int { mc * min(max(k, 1), kc) }

    /// Floats of packed B one worker needs: one KC×NC block (rounded up to whole NR panels).
    static func packedBCount(k: Int, n: Int) -> Int { min(max(k, 1), kc) * panels(min(n, nc), nr) * nr }

    /// C[m×n] = alpha · op(A) · op(B) + beta · C on one thread, packing into `buffers`.
    static func multiply(
        m: Int, n: Int, k: Int, alpha: Float, a: GEMMOperand, b: GEMMOperand,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, buffers: GEMMBuffers
    ) {
        multiply(
            m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc, packedA: buffers.packedA,
            packA: { row, rowCount, depth, depthCount, packed in
                packA(a, row: row, rowCount: rowCount, depth: depth, depthCount: depthCount, into: packed)
            },
            packB: { depth, depthCount, column, columnCount in
                packB(b, depth: depth, depthCount: depthCount, column: column, columnCount: columnCount,
                      into: buffers.packedB)
                return UnsafePointer(buffers.packedB)
            })
    }

    /// The blocked loops around the micro-kernel, with the packing supplied by the caller so convolutions
    /// can pack straight from images (implicit im2col) or reuse a pre-packed kernel:
    /// - `packA(row, rowCount, depth, depthCount, into)` packs that block of op(A) in `packA`'s layout
    ///   into `packedA` (room for MC×KC floats);
    /// - `packB(depth, depthCount, column, columnCount)` returns that block of op(B) in `packB`'s layout.
    @inline(__always)
    static func multiply(
        m: Int, n: Int, k: Int, alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        packedA: UnsafeMutablePointer<Float>,
        packA: (Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void,
        packB: (Int, Int, Int, Int) -> UnsafePointer<Float>
    ) {
        if k == 0 {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        var jc = 0
        while jc < n {
            let ncCurrent = min(nc, n - jc)
            var pc = 0
            while pc < k {
                let kcCurrent = min(kc, k - pc)
                let packedB = packB(pc, kcCurrent, jc, ncCurrent)
                // Later K slices add onto what the first one wrote.
                let sliceBeta = pc == 0 ? beta : 1
                var ic = 0
                while ic < m {
                    let mcCurrent = min(mc, m - ic)
                    packA(ic, mcCurrent, pc, kcCurrent, packedA)
                    macroKernel(
                        m: mcCurrent, n: ncCurrent, k: kcCurrent, alpha: alpha, packedA: packedA,
                        packedB: packedB, beta: sliceBeta, c: c + ic * ldc + jc, ldc: ldc)
                    ic += mcCurrent
                }
                pc += kcCurrent
            }
            jc += ncCurrent
        }
    }

    /// Every MR×NR tile of an m×n block of C from packed panels (B panel outer so it stays in L1).
    @inline(__always)
    static func macroKernel(
        m: Int, n: Int, k: Int, alpha: Float, packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var jr = 0
        while jr < n {
            let columns = min(nr, n - jr)
            var ir = 0
            while ir < m {
                let rows = min(mr, m - ir)
                microKernel(
                    k: k, a: packedA + ir * k, b: packedB + jr * k, alpha: alpha, beta: beta,
                    c: c + ir * ldc + jr, ldc: ldc, rows: rows, columns: columns)
                ir += mr
            }
            jr += nr
        }
    }

    /// C = beta · C for an m×n block (k == 0).
    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    /// Floats `packAllOfB` writes for a k×n op(B): every KC slice, each NR-padded.
    static func packedAllOfBCount(k: Int, n: Int) -> Int { k * panels(n, nr) * nr }

    /// Packs all of a k×n op(B), slice after KC slice, so many GEMMs (one per tile of a convolution) can
    /// share one packing; `packedBlock` finds the block `multiply`'s loops ask for.
    static func packAllOfB(_ b: GEMMOperand, k: Int, n: Int, into packed: UnsafeMutablePointer<Float>) {
        let paddedN = panels(n, nr) * nr
        var pc = 0
        while pc < k {
            let kcCurrent = min(kc, k - pc)
            var jc = 0
            while jc < n {
                let ncCurrent = min(nc, n - jc)
                packB(b, depth: pc, depthCount: kcCurrent, column: jc, columnCount: ncCurrent,
                      into: packed + pc * paddedN + jc * kcCurrent)
                jc += ncCurrent
            }
            pc += kcCurrent
        }
    }

    /// The block (depth, depthCount, column) of a `packAllOfB` packing of an op(B) with n columns.
    @inline(__always)
    static func packedBlock(
        _ packed: UnsafePointer<Float>, n: Int, depth: Int, depthCount: Int, column: Int
    ) -> UnsafePointer<Float> {
        packed + depth * panels(n, nr) * nr + column * depthCount
    }

    /// Packs rows row..<row+rowCount, depth..<depth+depthCount of op(A) into MR-tall panels:
    /// panel p holds element (p·MR + r, d) at [p·MR·depthCount + d·MR + r]; missing rows are zero.
    static func packA(
        _ a: GEMMOperand, row: Int, rowCount: Int, depth: Int, depthCount: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let ld = a.leadingDimension
        var panelStart = 0
        var destination = packed
        while panelStart < rowCount {
            let rows = min(mr, rowCount - panelStart)
            if a.isTransposed {
                // op(A)(i, d) = A[d][i]: each depth step reads MR neighbours.
                var source = a.base + (depth * ld + row + panelStart)
                if rows == mr {
                    for d in 0..<depthCount {
                        for r in 0..<mr { destination[d * mr + r] = source[r] }
                        source += ld
                    }
                } else {
                    for d in 0..<depthCount {
                        for r in 0..<mr { destination[d * mr + r] = r < rows ? source[r] : 0 }
                        source += ld
                    }
                }
            } else {
                // op(A)(i, d) = A[i][d]: MR rows read side by side.
                let source = a.base + ((row + panelStart) * ld + depth)
                for r in 0..<mr {
                    if r < rows {
                        let sourceRow = source + r * ld
                        for d in 0..<depthCount { destination[d * mr + r] = sourceRow[d] }
                    } else {
                        for d in 0..<depthCount { destination[d * mr + r] = 0 }
                    }
                }
            }
            destination += mr * depthCount
            panelStart += mr
        }
    }

    /// Packs depth..<depth+depthCount, columns column..<column+columnCount of op(B) into NR-wide panels:
    /// panel p holds element (d, p·NR + j) at [p·NR·depthCount + d·NR + j]; missing columns are zero.
    static func packB(
        _ b: GEMMOperand, depth: Int, depthCount: Int, column: Int, columnCount: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let ld = b.leadingDimension
        var panelStart = 0
        var destination = packed
        while panelStart < columnCount {
            let columns = min(nr, columnCount - panelStart)
            if b.isTransposed {
                // op(B)(d, j) = B[j][d]: read each column's depth run, write it strided.
                let source = b.base + ((column + panelStart) * ld + depth)
                for j in 0..<nr {
                    if j < columns {
                        let sourceColumn = source + j * ld
                        for d in 0..<depthCount { destination[d * nr + j] = sourceColumn[d] }
                    } else {
                        for d in 0..<depthCount { destination[d * nr + j] = 0 }
                    }
                }
            } else {
                // op(B)(d, j) = B[d][j]: NR neighbours per depth step, one vector copy.
                var source = b.base + (depth * ld + column + panelStart)
                if columns == nr {
                    for d in 0..<depthCount {
                        storeVector(loadVector(source) as SIMD16<Float>, destination + d * nr)
                        source += ld
                    }
                } else {
                    for d in 0..<depthCount {
                        for j in 0..<nr { destination[d * nr + j] = j < columns ? source[j] : 0 }
                        source += ld
                    }
                }
            }
            destination += nr * depthCount
            panelStart += nr
        }
    }

    /// One MR×NR (6×16) tile: C = alpha · Apanel · Bpanel + beta · C over k, in 12 SIMD8 accumulators
    /// (one FMA per accumulator per k). Only the top-left rows×columns of the tile are written.
    @inline(__always)
    static func microKernel(
        k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, alpha: Float, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
        var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var pa = a
        var pb = b
        for _ in 0..<k {
            let b0: SIMD8<Float> = loadVector(pb)
            let b1: SIMD8<Float> = loadVector(pb + 8)
            var broadcast = SIMD8<Float>(repeating: pa[0])
            c00.addProduct(broadcast, b0); c01.addProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: pa[1])
            c10.addProduct(broadcast, b0); c11.addProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: pa[2])
            c20.addProduct(broadcast, b0); c21.addProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: pa[3])
            c30.addProduct(broadcast, b0); c31.addProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: pa[4])
            c40.addProduct(broadcast, b0); c41.addProduct(broadcast, b1)
            broadcast = SIMD8<Float>(repeating: pa[5])
            c50.addProduct(broadcast, b0); c51.addProduct(broadcast, b1)
            pa += mr
            pb += nr
        }
        if rows == mr && columns == nr {
            store(c00, c01, alpha: alpha, beta: beta, c)
            store(c10, c11, alpha: alpha, beta: beta, c + ldc)
            store(c20, c21, alpha: alpha, beta: beta, c + 2 * ldc)
            store(c30, c31, alpha: alpha, beta: beta, c + 3 * ldc)
            store(c40, c41, alpha: alpha, beta: beta, c + 4 * ldc)
            store(c50, c51, alpha: alpha, beta: beta, c + 5 * ldc)
        } else {
            // Edge tile: spill the accumulators and write only the valid part.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { tile in
                let t = tile.baseAddress!
                storeVector(c00, t); storeVector(c01, t + 8)
                storeVector(c10, t + 16); storeVector(c11, t + 24)
                storeVector(c20, t + 32); storeVector(c21, t + 40)
                storeVector(c30, t + 48); storeVector(c31, t + 56)
                storeVector(c40, t + 64); storeVector(c41, t + 72)
                storeVector(c50, t + 80); storeVector(c51, t + 88)
                for r in 0..<rows {
                    let row = c + r * ldc
                    for j in 0..<columns {
                        let value = alpha * t[r * nr + j]
                        row[j] = beta == 0 ? value : value + beta * row[j]
                    }
                }
            }
        }
    }

    /// One MR×NR (6×16) tile whose A rows are read in place, each row from its own pointer (no packing):
    /// row r's depth element (segment g, offset e) is rows[r][g·segmentStride + e], for `segments` segments
    /// of `segmentLength`; B is one packed NR-wide panel over the whole depth. This is how a convolution reads
    /// NHWC patches straight from the image: a patch is KH runs of KW·C consecutive floats.
    /// C = acc (+ bias per column) (then ReLU); only the top-left rowCount×columns part is written.
    @inline(__always)
    static func microKernel(
        rows: RowPointers, segments: Int, segmentLength: Int, segmentStride: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, rowCount: Int, columns: Int,
        bias: UnsafePointer<Float>?, relu: Bool
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
        var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var pb = b
        var segmentOffset = 0
        for _ in 0..<segments {
            let a0 = rows.r0 + segmentOffset, a1 = rows.r1 + segmentOffset, a2 = rows.r2 + segmentOffset
            let a3 = rows.r3 + segmentOffset, a4 = rows.r4 + segmentOffset, a5 = rows.r5 + segmentOffset
            for e in 0..<segmentLength {
                let b0: SIMD8<Float> = loadVector(pb)
                let b1: SIMD8<Float> = loadVector(pb + 8)
                var broadcast = SIMD8<Float>(repeating: a0[e])
                c00.addProduct(broadcast, b0); c01.addProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: a1[e])
                c10.addProduct(broadcast, b0); c11.addProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: a2[e])
                c20.addProduct(broadcast, b0); c21.addProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: a3[e])
                c30.addProduct(broadcast, b0); c31.addProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: a4[e])
                c40.addProduct(broadcast, b0); c41.addProduct(broadcast, b1)
                broadcast = SIMD8<Float>(repeating: a5[e])
                c50.addProduct(broadcast, b0); c51.addProduct(broadcast, b1)
                pb += nr
            }
            segmentOffset += segmentStride
        }
        if columns == nr {
            var bias0 = SIMD8<Float>(), bias1 = SIMD8<Float>()
            if let bias {
                bias0 = loadVector(bias)
                bias1 = loadVector(bias + 8)
            }
            @inline(__always) func finish(_ value: SIMD8<Float>, _ bias: SIMD8<Float>) -> SIMD8<Float> {
                let biased = value + bias
                return relu ? biased.replacing(with: 0, where: biased .< 0) : biased
            }
            storeVector(finish(c00, bias0), c); storeVector(finish(c01, bias1), c + 8)
            guard rowCount > 1 else { return }
            storeVector(finish(c10, bias0), c + ldc); storeVector(finish(c11, bias1), c + ldc + 8)
            guard rowCount > 2 else { return }
            storeVector(finish(c20, bias0), c + 2 * ldc); storeVector(finish(c21, bias1), c + 2 * ldc + 8)
            guard rowCount > 3 else { return }
            storeVector(finish(c30, bias0), c + 3 * ldc); storeVector(finish(c31, bias1), c + 3 * ldc + 8)
            guard rowCount > 4 else { return }
            storeVector(finish(c40, bias0), c + 4 * ldc); storeVector(finish(c41, bias1), c + 4 * ldc + 8)
            guard rowCount > 5 else { return }
            storeVector(finish(c50, bias0), c + 5 * ldc); storeVector(finish(c51, bias1), c + 5 * ldc + 8)
        } else {
            // Edge tile: spill the accumulators and write only the valid columns.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { tile in
                let t = tile.baseAddress!
                storeVector(c00, t); storeVector(c01, t + 8)
                storeVector(c10, t + 16); storeVector(c11, t + 24)
                storeVector(c20, t + 32); storeVector(c21, t + 40)
                storeVector(c30, t + 48); storeVector(c31, t + 56)
                storeVector(c40, t + 64); storeVector(c41, t + 72)
                storeVector(c50, t + 80); storeVector(c51, t + 88)
                for r in 0..<rowCount {
                    let row = c + r * ldc
                    for j in 0..<columns {
                        let value = t[r * nr + j] + (bias?[j] ?? 0)
                        row[j] = relu ? max(value, 0) : value
                    }
                }
            }
        }
    }

    /// Writes one 16-wide row of a tile: C = alpha · acc (+ beta · C unless beta == 0).
    @inline(__always)
    private static func store(
        _ low: SIMD8<Float>, _ high: SIMD8<Float>, alpha: Float, beta: Float, _ c: UnsafeMutablePointer<Float>
    ) {
        if beta == 0 {
            storeVector(low * alpha, c)
            storeVector(high * alpha, c + 8)
        } else {
            storeVector(low * alpha + beta * (loadVector(c) as SIMD8<Float>), c)
            storeVector(high * alpha + beta * (loadVector(c + 8) as SIMD8<Float>), c + 8)
        }
    }
}
