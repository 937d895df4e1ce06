// Single-precision matrix multiply (BLAS sgemm, row-major): cache blocking, B packed into panels, A read
// in place, a 6×NR register block of FMA accumulators, and a split of C over the threads.
//
// Legend: M rows of C and op(A), N columns of C and op(B), K the shared inner dimension.
// MR×NR = the register block (6×16 with 8-float vectors, 6×32 with 16-float ones; see Variant.swift),
// KC/MC/NC = the cache blocks of K, M and N.
//
// Loop order (the BLIS/GotoBLAS scheme): for each NC-wide column block of B and KC-deep slice of K, pack that
// slice of B into NR-wide panels; for each MC-tall row block of A, every MR×NR tile of C is one micro-kernel
// call, B panel outer so it stays in L1 while the A rows (in L2) stream past. The micro-kernel broadcasts
// A's six values per depth step from six row pointers with a common depth step, so A can be a packed panel
// (step MR), read in place (op(A) = A: step 1; op(A) = Aᵀ: step lda), or image patches (Conv2D.swift).
// A is packed when C is wide enough for the copy to pay; narrow products (Dense layers at batch 32) read it
// in place. When op(B) is the costly operand to pack, the engine computes Cᵀ = op(B)ᵀ · op(A)ᵀ instead.
//
// The engine is generic over the tile's half-row vector (`TileVector`: SIMD8 or SIMD16 of Float) and
// instantiated for both; `Kernels.activeVariant` picks one per call.

extension Kernels {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C (row-major; op = transpose when trans*). beta == 0 ignores
    /// C's old contents (they may be NaN).
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
              beta: beta, c: c, ldc: ldc, workspace: nil)
    }

    /// `sgemm` with its packing buffers in `workspace` (`sgemmWorkspaceCount(m:n:k:)` floats) instead of
    /// memory allocated per call: for callers that run the same product again and again (inference).
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workspace: UnsafeMutablePointer<Float>?
    ) {
        switch activeVariant.tileVector {
        case .sixteen:
            TiledGEMM<SIMD16<Float>>.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a,
                                           lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, workspace: workspace)
        case .eight:
            TiledGEMM<SIMD8<Float>>.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a,
                                          lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, workspace: workspace)
        }
    }

    /// Floats of workspace an m×n×k `sgemm` needs on any kernel variant and thread count.
    public static func sgemmWorkspaceCount(m: Int, n: Int, k: Int) -> Int {
        max(TiledGEMM<SIMD8<Float>>.workspaceCount(m: m, n: n, k: k),
            TiledGEMM<SIMD16<Float>>.workspaceCount(m: m, n: n, k: k))
    }
}

/// The vector a register tile's rows are made of, two per row: its width sets the tile's NR (16 or 32).
///
/// Arithmetic written on a generic `V` compiles to the SIMD protocol's lane-by-lane definitions, which LLVM
/// turns back into vector code for `+`, `*` and `addProduct`, but not for comparisons and masks (a lane
/// loop through memory, which halved the convolution's speed). The activations are therefore a
/// requirement, implemented by each concrete type with the standard library's vector operations.
protocol TileVector: SIMD where Scalar == Float {
    /// f per lane of a tile row's two halves, for a fused activation.
    static func activated(_ low: Self, _ high: Self, _ activation: Activation) -> (Self, Self)
}

extension SIMD8: TileVector where Scalar == Float {
    /// The two halves as one 16-lane vector (the exponential is written for 16 lanes).
    @inline(__always)
    static func activated(_ low: Self, _ high: Self, _ activation: Activation) -> (Self, Self) {
        let row = Kernels.activate(SIMD16(lowHalf: low, highHalf: high), activation)
        return (row.lowHalf, row.highHalf)
    }
}

extension SIMD16: TileVector where Scalar == Float {
    @inline(__always)
    static func activated(_ low: Self, _ high: Self, _ activation: Activation) -> (Self, Self) {
        (Kernels.activate(low, activation), Kernels.activate(high, activation))
    }
}

/// Where the GEMM engine writes C: row-major, or transposed (element (i, j) at base[j·ld + i]) when the
/// engine computes Cᵀ.
struct GEMMOutput {
    var base: UnsafeMutablePointer<Float>
    var leadingDimension: Int
    var isTransposed: Bool

    @inline(__always)
    func offset(row: Int, column: Int) -> GEMMOutput {
        var moved = self
        moved.base += isTransposed ? column * leadingDimension + row : row * leadingDimension + column
        return moved
    }

    /// Asks for the cache lines of a rows×columns tile at `base` ahead of its store. Called before the tile's
    /// depth loop, the misses overlap with its multiply-adds: when C is larger than the caches (2048² and
    /// up), each K slice otherwise stalls on reading back the tile it adds to.
    @inline(__always)
    func prefetch(rows: Int, columns: Int) {
        let (lines, extent) = isTransposed ? (columns, rows) : (rows, columns)
        for line in 0..<lines {
            let start = base + line * leadingDimension
            prefetchForWriting(start)
            prefetchForWriting(start + (extent - 1))
        }
    }
}

/// op(X) of one sgemm operand: element (row, column) is base[row·ld + column], or base[column·ld + row]
/// when transposed.
struct GEMMOperand {
    var base: UnsafePointer<Float>
    var leadingDimension: Int
    var isTransposed: Bool

    /// The same matrix as op(X)ᵀ.
    var transposed: GEMMOperand {
        GEMMOperand(base: base, leadingDimension: leadingDimension, isTransposed: !isTransposed)
    }

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

    /// Pointers to element (row + r, depth) of op(X) for r in 0..<6 (rows past `rowCount` repeat the first),
    /// and the distance between depth steps.
    @inline(__always)
    func rowPointers(row: Int, rowCount: Int, depth: Int) -> (RowPointers, depthStep: Int) {
        let ld = leadingDimension
        var rows = RowPointers(repeating: base + (isTransposed ? depth * ld + row : row * ld + depth))
        for r in 1..<min(rowCount, GEMM.mr) { rows[r] = rows[0] + (isTransposed ? r : r * ld) }
        return (rows, isTransposed ? ld : 1)
    }
}

/// The 6×NR block of C a micro-kernel keeps in twelve vector registers: row r is (c<r>0, c<r>1), NR = 2·V's
/// width (6×16 in twelve ymm registers with SIMD8, 6×32 in twelve zmm registers with SIMD16).
struct AccumulatorTile<V: TileVector> {
    var c00 = V(), c01 = V()
    var c10 = V(), c11 = V()
    var c20 = V(), c21 = V()
    var c30 = V(), c31 = V()
    var c40 = V(), c41 = V()
    var c50 = V(), c51 = V()

    /// NR: the tile's columns.
    static var columns: Int { 2 * V.scalarCount }

    /// tile += a ⊗ b for one depth step: six A values (one per row) times NR B values.
    @inline(__always)
    mutating func multiplyAdd(
        _ a0: Float, _ a1: Float, _ a2: Float, _ a3: Float, _ a4: Float, _ a5: Float, _ b: UnsafePointer<Float>
    ) {
        let b0: V = loadVector(b)
        let b1: V = loadVector(b + V.scalarCount)
        var broadcast = V(repeating: a0)
        c00.addProduct(broadcast, b0); c01.addProduct(broadcast, b1)
        broadcast = V(repeating: a1)
        c10.addProduct(broadcast, b0); c11.addProduct(broadcast, b1)
        broadcast = V(repeating: a2)
        c20.addProduct(broadcast, b0); c21.addProduct(broadcast, b1)
        broadcast = V(repeating: a3)
        c30.addProduct(broadcast, b0); c31.addProduct(broadcast, b1)
        broadcast = V(repeating: a4)
        c40.addProduct(broadcast, b0); c41.addProduct(broadcast, b1)
        broadcast = V(repeating: a5)
        c50.addProduct(broadcast, b0); c51.addProduct(broadcast, b1)
    }

    /// The micro-kernel loop: tile += op(A) · B over a run of depth steps. Row r of A is read in place at
    /// a[r][g·segmentStride + q·depthStep] for depth step q of segment g (`segments` segments of
    /// `segmentLength` steps); B's NR values for depth step t are at b + t·ldb. Segments let a convolution
    /// walk a patch, which is KH runs of KW·C consecutive floats one image row apart.
    @inline(__always)
    mutating func accumulate(
        a: RowPointers, depthStep: Int, segments: Int, segmentLength: Int, segmentStride: Int,
        b: UnsafePointer<Float>, ldb: Int
    ) {
        var pb = b
        var segmentOffset = 0
        for _ in 0..<segments {
            let a0 = a.r0 + segmentOffset, a1 = a.r1 + segmentOffset, a2 = a.r2 + segmentOffset
            let a3 = a.r3 + segmentOffset, a4 = a.r4 + segmentOffset, a5 = a.r5 + segmentOffset
            var q = 0
            for _ in 0..<segmentLength {
                multiplyAdd(a0[q], a1[q], a2[q], a3[q], a4[q], a5[q], pb)
                q += depthStep
                pb += ldb
            }
            segmentOffset += segmentStride
        }
    }

    /// `accumulate` for six consecutive A values per depth step (row r at a[q·depthStep + r]): a packed A
    /// panel (step MR), Aᵀ read in place (step lda) or six neighbouring patch elements. One base register
    /// instead of six leaves the loop free of spills.
    @inline(__always)
    mutating func accumulate(
        consecutive a: UnsafePointer<Float>, depthStep: Int, count: Int, b: UnsafePointer<Float>, ldb: Int
    ) {
        var pa = a
        var pb = b
        for _ in 0..<count {
            multiplyAdd(pa[0], pa[1], pa[2], pa[3], pa[4], pa[5], pb)
            pa += depthStep
            pb += ldb
        }
    }

    /// Calls `body(row, low, high)` for the first `rows` rows of the tile (both halves of each).
    @inline(__always)
    func forEachRow(_ rows: Int, _ body: (Int, V, V) -> Void) {
        body(0, c00, c01)
        if rows > 1 { body(1, c10, c11) }
        if rows > 2 { body(2, c20, c21) }
        if rows > 3 { body(3, c30, c31) }
        if rows > 4 { body(4, c40, c41) }
        if rows > 5 { body(5, c50, c51) }
    }

    /// Runs `body` with the tile written row-major (6 rows of NR) to temporary memory: the edge-tile path.
    @inline(__always)
    func withSpilled(_ body: (UnsafePointer<Float>) -> Void) {
        let half = V.scalarCount
        withUnsafeTemporaryAllocation(of: Float.self, capacity: GEMM.mr * Self.columns) { tile in
            let t = tile.baseAddress!
            forEachRow(GEMM.mr) { r, low, high in
                storeVector(low, t + r * 2 * half)
                storeVector(high, t + r * 2 * half + half)
            }
            body(t)
        }
    }

    /// c = alpha · tile (+ beta · c unless beta == 0) for the top-left rows×columns of `output`.
    @inline(__always)
    func store(alpha: Float, beta: Float, into output: GEMMOutput, rows: Int, columns: Int) {
        let (c, ldc) = (output.base, output.leadingDimension)
        let half = V.scalarCount
        if output.isTransposed || columns < Self.columns || rows < GEMM.mr {
            // Edge or transposed tile: spill, then write element by element (beta tested once per row).
            let (rowStride, columnStride) = output.isTransposed ? (1, ldc) : (ldc, 1)
            withSpilled { t in
                for r in 0..<rows {
                    let row = c + r * rowStride
                    let tileRow = t + r * Self.columns
                    if beta == 0 {
                        for j in 0..<columns { row[j * columnStride] = alpha * tileRow[j] }
                    } else {
                        for j in 0..<columns {
                            row[j * columnStride] = alpha * tileRow[j] + beta * row[j * columnStride]
                        }
                    }
                }
            }
        } else {
            forEachRow(GEMM.mr) { r, low, high in
                let row = c + r * ldc
                if beta == 0 {
                    storeVector(low * alpha, row)
                    storeVector(high * alpha, row + half)
                } else {
                    storeVector(low * alpha + beta * (loadVector(row) as V), row)
                    storeVector(high * alpha + beta * (loadVector(row + half) as V), row + half)
                }
            }
        }
    }

    /// c = f(tile (+ bias per column)) for the top-left rows×columns: a convolution's output pass.
    @inline(__always)
    func storeActivated(
        bias: UnsafePointer<Float>?, activation: Activation, into c: UnsafeMutablePointer<Float>, ldc: Int,
        rows: Int, columns: Int
    ) {
        let half = V.scalarCount
        if columns == Self.columns {
            var bias0 = V(), bias1 = V()
            if let bias {
                bias0 = loadVector(bias)
                bias1 = loadVector(bias + half)
            }
            forEachRow(rows) { r, low, high in
                let (low, high) = V.activated(low + bias0, high + bias1, activation)
                storeVector(low, c + r * ldc)
                storeVector(high, c + r * ldc + half)
            }
        } else {
            withSpilled { t in
                for r in 0..<rows {
                    let row = c + r * ldc
                    for j in 0..<columns {
                        row[j] = Kernels.activate(t[r * Self.columns + j] + (bias?[j] ?? 0), activation)
                    }
                }
            }
        }
    }

    /// c[r·ldc + j] += tile[r][j] for the top-left rows×columns.
    @inline(__always)
    func add(into c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int) {
        let half = V.scalarCount
        if columns == Self.columns {
            forEachRow(rows) { r, low, high in
                let row = c + r * ldc
                storeVector(loadVector(row) as V + low, row)
                storeVector(loadVector(row + half) as V + high, row + half)
            }
        } else {
            withSpilled { t in
                for r in 0..<rows {
                    for j in 0..<columns { c[r * ldc + j] += t[r * Self.columns + j] }
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

/// The blocking constants and helpers every tile width shares.
enum GEMM {
    /// MR: rows of a register tile (six A broadcasts per depth step).
    static let mr = 6
    /// MC: rows of A per packed block (a multiple of MR; an MC×KC block stays in L2).
    static let mc = 168

    /// Below about this many multiply-adds a second thread costs more than it saves.
    static let parallelThreshold = 1 << 18

    /// Workers a kernel that takes its scratch from the caller may use, so the workspace it needs does not
    /// depend on `Kernels.threadCount` at call time.
    static let maxWorkers = 8

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

    /// C = beta · C for an m×n block (k == 0).
    static func scale(m: Int, n: Int, beta: Float, c: GEMMOutput) {
        for i in 0..<m {
            for j in 0..<n {
                let element = c.offset(row: i, column: j).base
                element.pointee = beta == 0 ? 0 : beta * element.pointee
            }
        }
    }

    /// Packs rows row..<row+rowCount, depth..<depth+depthCount of op(A) into MR-tall panels: panel p holds
    /// element (p·MR + r, d) at [p·MR·depthCount + d·MR + r]; a short last panel repeats its first row
    /// (computed, never stored).
    static func packA(
        _ a: GEMMOperand, row: Int, rowCount: Int, depth: Int, depthCount: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        var panelStart = 0
        while panelStart < rowCount {
            let rows = min(mr, rowCount - panelStart)
            let (pointers, depthStep) = a.rowPointers(row: row + panelStart, rowCount: rows, depth: depth)
            let panel = packed + panelStart * depthCount
            for r in 0..<mr {
                let source = pointers[r]
                var q = 0
                for d in 0..<depthCount {
                    panel[d * mr + r] = source[q]
                    q += depthStep
                }
            }
            panelStart += mr
        }
    }
}

/// The blocked, single-threaded GEMM engine behind `Kernels.sgemm` and the convolutions, for tiles of
/// 6 × 2·V's width.
enum TiledGEMM<V: TileVector> {
    typealias Tile = AccumulatorTile<V>

    /// NR: columns of a register tile and width of a packed B panel.
    static var nr: Int { Tile.columns }
    /// KC: depth of a K slice, the same for every tile width so that every variant slices K alike and
    /// gives the same bits. A packed B panel (KC × NR floats) is 16 KB with 8-float vectors and 32 KB with
    /// 16-float ones; on Zen 4 the 16-wide SGEMM measured slightly faster with 256 than with 128.
    static var kc: Int { 256 }
    /// NC: columns of B per packed block (a multiple of NR; the block stays in L2/L3).
    static var nc: Int { 4080 / nr * nr }

    /// Pack A when C has at least this many columns (each A panel then meets ≥ 4 B panels); narrower
    /// products read A in place.
    static var packAThreshold: Int { 4 * nr }

    /// Floats of packing space one worker needs for an m×n×k product (either orientation).
    static func perWorkerCount(m: Int, n: Int, k: Int) -> Int {
        packedBCount(k: k, n: max(m, n)) + packedACount(k: k)
    }

    static func workspaceCount(m: Int, n: Int, k: Int) -> Int {
        GEMM.maxWorkers * perWorkerCount(m: m, n: n, k: k)
    }

    /// `Kernels.sgemm` on this tile width; packing buffers come from `workspace` when given (at least
    /// `workspaceCount` floats), else are allocated per call.
    static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workspace: UnsafeMutablePointer<Float>?
    ) {
        guard m > 0, n > 0 else { return }
        var left = GEMMOperand(base: a, leadingDimension: lda, isTransposed: transA)
        var right = GEMMOperand(base: b, leadingDimension: ldb, isTransposed: transB)
        var (rowsOfC, columnsOfC) = (m, n)
        // op(B) is always packed, so when it is the costlier one to pack, compute Cᵀ = op(B)ᵀ · op(A)ᵀ
        // instead and store the tiles transposed.
        let transposed = prefersTransposedProblem(transA: transA, transB: transB, m: m, n: n, k: k)
        if transposed {
            (left, right) = (right.transposed, left.transposed)
            (rowsOfC, columnsOfC) = (n, m)
        }
        let output = GEMMOutput(base: c, leadingDimension: ldc, isTransposed: transposed)
        let workers = min(GEMM.workerCount(m: m, n: n, k: k), workspace == nil ? Int.max : GEMM.maxWorkers)
        // Split rows when there are many more of them: splitting rows makes every worker pack all of B.
        let splitRows = rowsOfC >= 2 * columnsOfC
        let chunks = workers == 1
            ? 1 : min(workers, splitRows ? GEMM.panels(rowsOfC, GEMM.mr) : GEMM.panels(columnsOfC, nr))
        Kernels.parallelFor(chunks: chunks) { chunk in
            let rows = splitRows
                ? GEMM.chunkRange(count: rowsOfC, granularity: GEMM.mr, chunk: chunk, of: chunks) : 0..<rowsOfC
            let columns = splitRows
                ? 0..<columnsOfC : GEMM.chunkRange(count: columnsOfC, granularity: nr, chunk: chunk, of: chunks)
            // A is packed only when each of its panels meets enough B panels to repay the copy.
            let packsA = columns.count >= packAThreshold
            let packedBCount = packedBCount(k: k, n: columns.count)
            let bufferCount = packedBCount + (packsA ? packedACount(k: k) : 0)
            let buffer = workspace.map { $0 + chunk * perWorkerCount(m: m, n: n, k: k) }
                ?? UnsafeMutableRawPointer.allocate(byteCount: bufferCount * 4, alignment: 64)
                    .bindMemory(to: Float.self, capacity: bufferCount)
            defer { if workspace == nil { buffer.deallocate() } }
            multiply(
                m: rows.count, n: columns.count, k: k, alpha: alpha, a: left.offset(rows: rows.lowerBound),
                b: right.offset(columns: columns.lowerBound), beta: beta,
                c: output.offset(row: rows.lowerBound, column: columns.lowerBound),
                packedA: packsA ? buffer + packedBCount : nil, packedB: buffer)
        }
    }

    /// Floats of packed A one worker needs: one MC×KC block.
    static func packedACount(k: Int) -> Int { GEMM.mc * min(max(k, 1), kc) }

    /// Floats of packed B one worker needs: one KC×NC block (rounded up to whole NR panels).
    static func packedBCount(k: Int, n: Int) -> Int { min(max(k, 1), kc) * GEMM.panels(min(n, nc), nr) * nr }

    /// Whether packing op(A)ᵀ for Cᵀ = op(B)ᵀ · op(A)ᵀ is cheaper than packing op(B) for C = op(A) · op(B).
    /// A transposed operand packs with scalar strided stores (about 4× a plain one's vector copies), and the
    /// transposed problem stores its tiles with scalar stores once per KC slice.
    static func prefersTransposedProblem(transA: Bool, transB: Bool, m: Int, n: Int, k: Int) -> Bool {
        let direct = k * n * (transB ? 4 : 1)
        let transposed = k * m * (transA ? 1 : 4) + 2 * m * n * GEMM.panels(k, kc)
        return transposed < direct
    }

    /// C[m×n] = alpha · op(A) · op(B) + beta · C on one thread, packing B into `packedB` and A into
    /// `packedA` (packedACount floats) unless it is nil.
    static func multiply(
        m: Int, n: Int, k: Int, alpha: Float, a: GEMMOperand, b: GEMMOperand,
        beta: Float, c: GEMMOutput, packedA: UnsafeMutablePointer<Float>?, packedB: UnsafeMutablePointer<Float>
    ) {
        multiply(m: m, n: n, k: k, alpha: alpha, a: a, beta: beta, c: c, packedA: packedA) {
            depth, depthCount, column, columnCount in
            packB(b, depth: depth, depthCount: depthCount, column: column, columnCount: columnCount, into: packedB)
            return UnsafePointer(packedB)
        }
    }

    /// The blocked loops around the micro-kernel, with op(B)'s packing supplied by the caller so a
    /// convolution can reuse one pre-packed kernel: `packB(depth, depthCount, column, columnCount)` returns
    /// that block of op(B) in `packB`'s layout. A is read in place, or packed into `packedA` per MC×KC block
    /// (MR-row panels, MR values per depth step: sequential reads, no cache-set conflicts between rows).
    @inline(__always)
    static func multiply(
        m: Int, n: Int, k: Int, alpha: Float, a: GEMMOperand, beta: Float, c: GEMMOutput,
        packedA: UnsafeMutablePointer<Float>? = nil, packB: (Int, Int, Int, Int) -> UnsafePointer<Float>
    ) {
        if k == 0 {
            GEMM.scale(m: m, n: n, beta: beta, c: c)
            return
        }
        let (mr, mc, nr, kc, nc) = (GEMM.mr, GEMM.mc, Self.nr, Self.kc, Self.nc)
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
                    if let packedA {
                        GEMM.packA(a, row: ic, rowCount: mcCurrent, depth: pc, depthCount: kcCurrent, into: packedA)
                    }
                    var jr = 0
                    while jr < ncCurrent {
                        let columns = min(nr, ncCurrent - jr)
                        var ir = ic
                        while ir < ic + mcCurrent {
                            let rows = min(mr, ic + mcCurrent - ir)
                            let output = c.offset(row: ir, column: jc + jr)
                            output.prefetch(rows: rows, columns: columns)
                            var tile = Tile()
                            let panelB = packedB + jr * kcCurrent
                            if let packedA {
                                tile.accumulate(consecutive: packedA + (ir - ic) * kcCurrent, depthStep: mr,
                                                count: kcCurrent, b: panelB, ldb: nr)
                            } else if a.isTransposed && rows == mr {
                                tile.accumulate(consecutive: a.base + (pc * a.leadingDimension + ir),
                                                depthStep: a.leadingDimension, count: kcCurrent, b: panelB, ldb: nr)
                            } else {
                                let (pointers, depthStep) = a.rowPointers(row: ir, rowCount: rows, depth: pc)
                                tile.accumulate(a: pointers, depthStep: depthStep, segments: 1,
                                                segmentLength: kcCurrent, segmentStride: 0, b: panelB, ldb: nr)
                            }
                            tile.store(alpha: alpha, beta: sliceBeta, into: output, rows: rows, columns: columns)
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mcCurrent
                }
                pc += kcCurrent
            }
            jc += ncCurrent
        }
    }

    /// The micro-kernel: one 6×NR tile of op(A) · B (see `AccumulatorTile.accumulate`).
    @inline(__always)
    static func tile(
        a: RowPointers, depthStep: Int, segments: Int, segmentLength: Int, segmentStride: Int,
        b: UnsafePointer<Float>, ldb: Int
    ) -> Tile {
        var tile = Tile()
        tile.accumulate(a: a, depthStep: depthStep, segments: segments, segmentLength: segmentLength,
                        segmentStride: segmentStride, b: b, ldb: ldb)
        return tile
    }

    /// Floats `packAllOfB` writes for a k×n op(B): every KC slice, each NR-padded.
    static func packedAllOfBCount(k: Int, n: Int) -> Int { k * GEMM.panels(n, nr) * nr }

    /// Packs all of a k×n op(B), slice after KC slice, so many GEMMs (one per tile of a convolution) can
    /// share one packing; `packedBlock` finds the block `multiply`'s loops ask for.
    static func packAllOfB(_ b: GEMMOperand, k: Int, n: Int, into packed: UnsafeMutablePointer<Float>) {
        let paddedN = GEMM.panels(n, nr) * nr
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
        packed + depth * GEMM.panels(n, nr) * nr + column * depthCount
    }

    /// Packs depth..<depth+depthCount, columns column..<column+columnCount of op(B) into NR-wide panels:
    /// panel p holds element (d, p·NR + j) at [p·NR·depthCount + d·NR + j]; missing columns are zero.
    static func packB(
        _ b: GEMMOperand, depth: Int, depthCount: Int, column: Int, columnCount: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let ld = b.leadingDimension
        let (nr, half) = (Self.nr, V.scalarCount)
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
                // op(B)(d, j) = B[d][j]: NR neighbours per depth step, two vector copies.
                var source = b.base + (depth * ld + column + panelStart)
                if columns == nr {
                    for d in 0..<depthCount {
                        storeVector(loadVector(source) as V, destination + d * nr)
                        storeVector(loadVector(source + half) as V, destination + d * nr + half)
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
}
