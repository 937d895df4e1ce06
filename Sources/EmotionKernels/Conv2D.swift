// 2-D convolution forward, input-gradient and weight-gradient as GEMMs over an implicit im2col matrix,
// all on the 6×NR micro-kernel of GEMM.swift (NR = 16 or 32: `TiledConvolution` is generic over the tile
// width, and `Kernels.activeVariant` picks the instance per call).
//
// Legend: N batch, H/W input height/width, C input channels, O output channels, KH/KW kernel size,
// OH/OW output size, P = N·OH·OW output pixels, D = KH·KW·C patch length. Input NHWC, kernel HWIO
// [KH, KW, C, O] (= a D×O matrix), output NHWC (= a P×O matrix). col = the P×D im2col matrix, never stored
// whole: the GEMM packing reads patches straight from the image.
//
//   forward          out[P×O]   = col[P×D] · W[D×O] (+ bias, ReLU in the micro-kernel's store). No im2col
//                    at all: each patch is read in place as KH runs of KW·C consecutive floats (patches that
//                    touch the padding are first copied out with zeros).
//   backward input   stride 1 (and C ≥ 16): a forward convolution of dY with the flipped, transposed kernel
//                    (padding KH−1−top etc.), so again no im2col. Otherwise dcol[P×D] = dY[P×O] · Wᵀ[O×D],
//                    col2im-added into dX tile by tile.
//   backward weight  dW[D×O]    = colᵀ[D×P] · dY[P×O], again reading patches in place: pixels are grouped
//                    into runs whose patches sit a fixed stride apart in the image ("segments"), and each
//                    6×NR tile of dW streams a chunk of pixels with six patch elements broadcast per pixel
//                    (3×32 or 3×64 tiles for kernel rows of 3·k elements, e.g. KW·C = 9 over RGB; see
//                    Conv2D.ThreeRowTile.swift). A large 1×1 stride-1 kernel is one plain sgemm Xᵀ · dY.
//
// Fused ReLU and max-pool backward: given the forward's ReLU output y, both backward kernels use dY·[y > 0]
// instead of dY, masking it as they read it (a chunk of pixels for dW, a band of rows for the stride-1 dX, a
// tile for col2im); given the pooled gradient and window codes of a forward fused with max pooling, they
// build those pieces of dY from it (ConvOutputGradient.swift). No masked or un-pooled copy of the whole of dY
// is ever made.
//
// Work is split over the threads by output pixels (forward), images (col2im of one image must not race),
// bands of rows (stride-1 dX from a built dY) or pixel ranges with per-worker partial sums (backward
// weight). All scratch comes from the caller's workspace, so nothing is allocated per call.

import Foundation

extension Kernels {
    public static func conv2dForward(
        _ s: Conv2DShape, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        activation: Activation, output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        switch activeVariant.tileVector {
        case .sixteen:
            TiledConvolution<SIMD16<Float>>.forward(s, input: input, kernel: kernel, bias: bias, activation: activation,
                                                    output: output, workspace: workspace)
        case .eight:
            TiledConvolution<SIMD8<Float>>.forward(s, input: input, kernel: kernel, bias: bias, activation: activation,
                                                   output: output, workspace: workspace)
        }
    }

    /// dX for output gradient dY. With `reluOutput` (the forward's fused-ReLU output y), dY counts as 0
    /// wherever y ≤ 0: the ReLU backward, applied while dY is read instead of as a pass of its own.
    public static func conv2dBackwardInput(
        _ s: Conv2DShape, outputGradient: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>? = nil,
        kernel: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>,
        workspace: UnsafeMutablePointer<Float>
    ) {
        backwardInput(s, outputGradient: ConvOutputGradient(outputGradient, reluOutput: reluOutput), kernel: kernel,
                      inputGradient: inputGradient, workspace: workspace)
    }

    /// dX of a convolution whose output went through `poolSize`-wide, non-overlapping max pooling in the same
    /// forward pass (`conv2dForwardMaxPooled` with `windows`), from the pooled output's gradient: the pooling
    /// backward (and a fused ReLU's) applied while the kernel reads it, so the convolution's output gradient
    /// is never made whole.
    public static func conv2dBackwardInput(
        _ s: Conv2DShape, poolSize: Int, pooledGradient: UnsafePointer<Float>, windows: UnsafePointer<Int32>,
        kernel: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        backwardInput(s, outputGradient: ConvOutputGradient(pooledGradient: pooledGradient, windows: windows, of: s,
                                                            poolSize: poolSize),
                      kernel: kernel, inputGradient: inputGradient, workspace: workspace)
    }

    private static func backwardInput(
        _ s: Conv2DShape, outputGradient: ConvOutputGradient, kernel: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        switch activeVariant.tileVector {
        case .sixteen:
            TiledConvolution<SIMD16<Float>>.backwardInput(
                s, outputGradient: outputGradient, kernel: kernel, inputGradient: inputGradient, workspace: workspace)
        case .eight:
            TiledConvolution<SIMD8<Float>>.backwardInput(
                s, outputGradient: outputGradient, kernel: kernel, inputGradient: inputGradient, workspace: workspace)
        }
    }

    /// dW, and biasGradient (if non-nil) = sum of outputGradient over N, OH, OW. With `reluOutput` (the
    /// forward's fused-ReLU output y), dY counts as 0 wherever y ≤ 0, as in `conv2dBackwardInput`.
    public static func conv2dBackwardWeight(
        _ s: Conv2DShape, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        reluOutput: UnsafePointer<Float>? = nil, kernelGradient: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>?, workspace: UnsafeMutablePointer<Float>
    ) {
        backwardWeight(s, input: input, outputGradient: ConvOutputGradient(outputGradient, reluOutput: reluOutput),
                       kernelGradient: kernelGradient, biasGradient: biasGradient, workspace: workspace)
    }

    /// dW (and the bias gradient) of a max-pooled convolution from the pooled output's gradient, as
    /// `conv2dBackwardInput(_:poolSize:pooledGradient:windows:…)`.
    public static func conv2dBackwardWeight(
        _ s: Conv2DShape, poolSize: Int, input: UnsafePointer<Float>, pooledGradient: UnsafePointer<Float>,
        windows: UnsafePointer<Int32>, kernelGradient: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>?, workspace: UnsafeMutablePointer<Float>
    ) {
        backwardWeight(s, input: input,
                       outputGradient: ConvOutputGradient(pooledGradient: pooledGradient, windows: windows, of: s,
                                                          poolSize: poolSize),
                       kernelGradient: kernelGradient, biasGradient: biasGradient, workspace: workspace)
    }

    private static func backwardWeight(
        _ s: Conv2DShape, input: UnsafePointer<Float>, outputGradient: ConvOutputGradient,
        kernelGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>?,
        workspace: UnsafeMutablePointer<Float>
    ) {
        switch activeVariant.tileVector {
        case .sixteen:
            TiledConvolution<SIMD16<Float>>.backwardWeight(
                s, input: input, outputGradient: outputGradient, kernelGradient: kernelGradient,
                biasGradient: biasGradient, workspace: workspace)
        case .eight:
            TiledConvolution<SIMD8<Float>>.backwardWeight(
                s, input: input, outputGradient: outputGradient, kernelGradient: kernelGradient,
                biasGradient: biasGradient, workspace: workspace)
        }
    }
}

/// The convolution kernels on 6 × 2·V's-width register tiles (`TiledGEMM<V>`).
enum TiledConvolution<V: TileVector> {
    typealias Engine = TiledGEMM<V>

    static var nr: Int { Engine.nr }

    /// The work split and scratch layout of `s` for this tile width.
    static func plan(_ s: Conv2DShape) -> ConvPlan { ConvPlan(s, nr: nr) }

    static func forward(
        _ s: Conv2DShape, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        activation: Activation, output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        // W as NR-wide panels over the whole depth, shared by every worker.
        Engine.packB(GEMMOperand(base: kernel, leadingDimension: s.outChannels, isTransposed: false),
                     depth: 0, depthCount: s.patchCount, column: 0, columnCount: s.outChannels, into: workspace)
        let plan = Self.plan(s)
        convolve(plan, input: input, packedKernel: workspace, bias: bias, activation: activation,
                 output: output, scratch: workspace + plan.forwardSharedCount)
    }

    /// The forward convolution with the kernel already packed (NR-wide panels over the whole depth);
    /// `scratch` holds `ConvPlan.forwardPerWorkerCount` floats per worker.
    static func convolve(
        _ plan: ConvPlan, input: UnsafePointer<Float>, packedKernel: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, activation: Activation, output: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let (pixels, depth, outChannels) = (plan.pixels, plan.shape.patchCount, plan.shape.outChannels)
        guard pixels > 0 else { return }
        let panels = GEMM.panels(pixels, GEMM.mr)
        let workers = plan.workers(forItems: panels, work: pixels * depth * outChannels)
        Kernels.parallelFor(chunks: workers) { worker in
            let chunk = GEMM.chunkRange(count: panels, granularity: 1, chunk: worker, of: workers)
            let first = chunk.lowerBound * GEMM.mr
            convolve(plan, pixels: first..<min(pixels, chunk.upperBound * GEMM.mr), input: input,
                     packedKernel: packedKernel, bias: bias, activation: activation,
                     output: output + first * outChannels, patches: scratch + worker * plan.forwardPerWorkerCount)
        }
    }

    /// `convolve` for the output pixels `pixels` (flat over N, OH, OW), 6 at a time, on the calling thread;
    /// `output` points at the first one's output row, `patches` holds MR·D floats. Each 6-pixel × NR-channel
    /// tile of the output reads its six patches in place, or copies them out first when one touches the
    /// padding.
    @inline(__always)
    static func convolve(
        _ plan: ConvPlan, pixels: Range<Int>, input: UnsafePointer<Float>, packedKernel: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, activation: Activation, output: UnsafeMutablePointer<Float>,
        patches: UnsafeMutablePointer<Float>
    ) {
        let (depth, outChannels) = (plan.shape.patchCount, plan.shape.outChannels)
        let (mr, nr) = (GEMM.mr, Self.nr)
        var pixel = plan.cursor(pixel: pixels.lowerBound)
        for firstPixel in stride(from: pixels.lowerBound, to: pixels.upperBound, by: mr) {
            let rowCount = min(mr, pixels.upperBound - firstPixel)
            var rows = RowPointers(repeating: input)
            var (segments, segmentLength, segmentStride) = plan.patchSegments
            var allInside = true
            for r in 0..<rowCount {
                if let origin = plan.patchOrigin(pixel, input: input) {
                    rows[r] = origin
                } else {
                    allInside = false
                }
                plan.advance(&pixel)
            }
            if !allInside {
                for r in 0..<rowCount {
                    plan.copyPatch(pixel: firstPixel + r, input: input, into: patches + r * depth)
                    rows[r] = UnsafePointer(patches + r * depth)
                }
                (segments, segmentLength, segmentStride) = (1, depth, 0)
            }
            for r in rowCount..<mr { rows[r] = rows[0] }
            var column = 0
            while column < outChannels {
                Engine.tile(a: rows, depthStep: 1, segments: segments, segmentLength: segmentLength,
                          segmentStride: segmentStride, b: packedKernel + column * depth, ldb: nr)
                    .storeActivated(bias: bias.map { $0 + column }, activation: activation,
                                    into: output + (firstPixel - pixels.lowerBound) * outChannels + column,
                                    ldc: outChannels, rows: rowCount, columns: min(nr, outChannels - column))
                column += nr
            }
        }
    }

    static func backwardInput(
        _ s: Conv2DShape, outputGradient: ConvOutputGradient, kernel: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        if let transposed = ConvPlan.transposedConvolution(of: s) {
            // Stride 1: dX is a forward convolution of dY with the flipped kernel; no col2im needed.
            let plan = Self.plan(transposed)
            ConvPlan.packFlippedKernel(s, kernel, nr: nr, into: workspace)
            if let plain = outputGradient.plain {
                convolve(plan, input: plain, packedKernel: workspace, bias: nil, activation: .linear,
                         output: inputGradient, scratch: workspace + plan.forwardSharedCount)
            } else {
                backwardInputThroughBands(
                    plan, outputGradient: outputGradient, packedKernel: workspace, inputGradient: inputGradient,
                    scratch: workspace + plan.forwardSharedCount)
            }
        } else {
            backwardInputThroughColumns(s, outputGradient: outputGradient, kernel: kernel,
                                        inputGradient: inputGradient, workspace: workspace)
        }
    }

    /// The stride-1 input gradient from a dY that is not stored as is (masked or pooled): dX is cut into
    /// bands of rows; each band's dY rows (with the KH−1 rows of halo it reads) are built in the worker's
    /// scratch, then convolved from there as a small convolution of their own. `plan` is the transposed
    /// convolution (dY → dX).
    static func backwardInputThroughBands(
        _ plan: ConvPlan, outputGradient: ConvOutputGradient, packedKernel: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let t = plan.shape
        let bandRows = plan.builtBandRows
        let bands = GEMM.panels(t.outHeight, bandRows)
        let (gradientRow, inputGradientRow) = (t.width * t.inChannels, t.outWidth * t.outChannels)
        let workers = plan.workers(forItems: t.batch * bands, work: plan.pixels * t.patchCount * t.outChannels)
        Kernels.parallelFor(chunks: workers) { worker in
            let band = scratch + worker * plan.builtBandPerWorkerCount
            let patches = band + (bandRows + t.kernelHeight - 1) * gradientRow
            for item in GEMM.chunkRange(count: t.batch * bands, granularity: 1, chunk: worker, of: workers) {
                let (image, bandIndex) = item.quotientAndRemainder(dividingBy: bands)
                // dX rows y0..<y1 read dY rows r0..<r1.
                let y0 = bandIndex * bandRows
                let y1 = min(t.outHeight, y0 + bandRows)
                let r0 = min(t.height, max(0, y0 - t.padTop))
                let r1 = max(r0, min(t.height, y1 - 1 - t.padTop + t.kernelHeight))
                let rows = outputGradient.rows(firstPixel: (image * t.height + r0) * t.width,
                                               count: (r1 - r0) * t.width, outChannels: t.inChannels, scratch: band)
                var bandShape = t
                bandShape.batch = 1
                bandShape.height = r1 - r0
                bandShape.padTop = t.padTop + r0 - y0
                bandShape.padBottom = (y1 - y0) + t.kernelHeight - 1 - bandShape.height - bandShape.padTop
                let bandPlan = Self.plan(bandShape)
                convolve(bandPlan, pixels: 0..<bandPlan.pixels, input: rows,
                         packedKernel: packedKernel, bias: nil, activation: .linear,
                         output: inputGradient + (image * t.outHeight + y0) * inputGradientRow, patches: patches)
            }
        }
    }

    /// dX = col2im(dY · Wᵀ), tile by tile, for strided convolutions (dY built tile by tile when it is not
    /// stored as is).
    static func backwardInputThroughColumns(
        _ s: Conv2DShape, outputGradient: ConvOutputGradient, kernel: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        let plan = Self.plan(s)
        let (depth, outChannels) = (s.patchCount, s.outChannels)
        let imagePixels = s.outHeight * s.outWidth
        let imageInput = s.height * s.width * s.inChannels
        guard s.batch > 0 else { return }
        // op(B) = Wᵀ (O×D), packed once for every tile.
        let packedKernel = workspace
        Engine.packAllOfB(GEMMOperand(base: kernel, leadingDimension: outChannels, isTransposed: true),
                          k: outChannels, n: depth, into: packedKernel)
        let workers = plan.workers(forItems: s.batch, work: plan.pixels * depth * outChannels)
        Kernels.parallelFor(chunks: workers) { worker in
            let columnTile = workspace + plan.backwardInputSharedCount + worker * plan.backwardInputPerWorkerCount
            let gradientTile = columnTile + GEMM.mc * depth
            for image in GEMM.chunkRange(count: s.batch, granularity: 1, chunk: worker, of: workers) {
                let imageGradient = inputGradient + image * imageInput
                imageGradient.update(repeating: 0, count: imageInput)
                var tileStart = 0
                while tileStart < imagePixels {
                    let tilePixels = min(GEMM.mc, imagePixels - tileStart)
                    let firstPixel = image * imagePixels + tileStart
                    let tileGradient = outputGradient.rows(firstPixel: firstPixel, count: tilePixels,
                                                           outChannels: outChannels, scratch: gradientTile)
                    Engine.multiply(
                        m: tilePixels, n: depth, k: outChannels, alpha: 1,
                        a: GEMMOperand(base: tileGradient, leadingDimension: outChannels, isTransposed: false),
                        beta: 0, c: GEMMOutput(base: columnTile, leadingDimension: depth, isTransposed: false)
                    ) { depthStart, depthCount, column, _ in
                        Engine.packedBlock(packedKernel, n: depth, depth: depthStart, depthCount: depthCount,
                                           column: column)
                    }
                    plan.addPatches(columnTile, firstPixel: firstPixel, pixelCount: tilePixels, into: inputGradient)
                    tileStart += tilePixels
                }
            }
        }
    }

    static func backwardWeight(
        _ s: Conv2DShape, input: UnsafePointer<Float>, outputGradient: ConvOutputGradient,
        kernelGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>?,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let plan = Self.plan(s)
        let (pixels, depth, outChannels) = (plan.pixels, s.patchCount, s.outChannels)
        if let outputGradient = outputGradient.plain, plan.weightGradientIsPlainGEMM {
            Engine.sgemm(transA: true, transB: false, m: depth, n: outChannels, k: pixels, alpha: 1, a: input,
                         lda: depth, b: outputGradient, ldb: outChannels, beta: 0, c: kernelGradient, ldc: outChannels,
                         workspace: nil)
            if let biasGradient {
                biasGradient.update(repeating: 0, count: outChannels)
                Kernels.parallelRanges(count: outChannels, granularity: 32) { columns in
                    Kernels.addColumnSums(outputGradient + columns.lowerBound, rows: pixels, columns: columns.count,
                                  rowStride: outChannels, into: biasGradient + columns.lowerBound)
                }
            }
            return
        }
        let (mr, nr) = (GEMM.mr, Self.nr)
        let kernelCount = s.kernelCount
        let chunk = ConvPlan.weightChunk
        let chunks = GEMM.panels(pixels, chunk)
        let workers = plan.workers(forItems: chunks, work: pixels * depth * outChannels)
        Kernels.parallelFor(chunks: workers) { worker in
            let scratch = plan.backwardWeightScratch(workspace, worker: worker)
            // Worker 0 sums straight into the outputs, the others into their scratch (added up below).
            let partialKernel = worker == 0 ? kernelGradient : scratch.partialKernel
            partialKernel.update(repeating: 0, count: kernelCount)
            scratch.partialBias.update(repeating: 0, count: outChannels)
            let range = GEMM.chunkRange(count: pixels, granularity: chunk, chunk: worker, of: workers)
            withUnsafeTemporaryAllocation(of: PatchSegment.self, capacity: chunk) { segmentBuffer in
                let segments = segmentBuffer.baseAddress!
                var start = range.lowerBound
                while start < range.upperBound {
                    let count = min(chunk, range.upperBound - start)
                    let segmentCount = plan.segments(
                        firstPixel: start, pixelCount: count, input: input, patches: scratch.patches, into: segments)
                    let gradient = outputGradient.rows(firstPixel: start, count: count, outChannels: outChannels,
                                                       scratch: scratch.gradientRows)
                    if biasGradient != nil {
                        Kernels.addColumnSums(gradient, rows: count, columns: outChannels, rowStride: outChannels,
                                              into: scratch.partialBias)
                    }
                    // A narrow last block of columns is copied zero-padded so NR-wide loads stay in bounds.
                    let narrowColumns = outChannels % nr
                    if narrowColumns != 0 {
                        let source = gradient + (outChannels - narrowColumns)
                        for p in 0..<count {
                            let row = scratch.paddedGradient + p * nr
                            for j in 0..<nr { row[j] = j < narrowColumns ? source[p * outChannels + j] : 0 }
                        }
                    }
                    // Patch-element blocks outer: the input streams a block reads are reused by every
                    // column block straight away, while they are in L1.
                    if plan.usesThreeRowWeightTiles(ThreeRowTile<V>.self) {
                        plan.addThreeRowWeightTiles(ThreeRowTile<V>.self, segments: segments, count: segmentCount,
                                                    gradient: gradient, into: partialKernel)
                    } else if plan.usesThreeRowWeightTiles(ThreeRowTile<SIMD8<Float>>.self) {
                        // Wide tiles need 64 channels; 32 still fit the narrow ones (ymm with AVX-512VL).
                        plan.addThreeRowWeightTiles(ThreeRowTile<SIMD8<Float>>.self, segments: segments,
                                                    count: segmentCount, gradient: gradient, into: partialKernel)
                    } else {
                        var row = 0
                        while row < depth {
                            let rows = min(mr, depth - row)
                            var column = 0
                            while column < outChannels {
                                let columns = min(nr, outChannels - column)
                                let (b, ldb) = columns == nr
                                    ? (gradient + column, outChannels) : (UnsafePointer(scratch.paddedGradient), nr)
                                plan.weightTile(V.self, segments: segments, count: segmentCount, depthRow: row,
                                                rows: rows, b: b, ldb: ldb)
                                    .add(into: partialKernel + row * outChannels + column, ldc: outChannels,
                                         rows: rows, columns: columns)
                                column += nr
                            }
                            row += mr
                        }
                    }
                    start += count
                }
            }
        }
        for worker in 1..<max(workers, 1) {
            Kernels.accumulateInline(plan.backwardWeightScratch(workspace, worker: worker).partialKernel,
                             into: kernelGradient, count: kernelCount)
        }
        if let biasGradient {
            biasGradient.update(repeating: 0, count: outChannels)
            for worker in 0..<workers {
                Kernels.accumulateInline(plan.backwardWeightScratch(workspace, worker: worker).partialBias,
                                         into: biasGradient, count: outChannels)
            }
        }
        if workers == 0 { kernelGradient.update(repeating: 0, count: kernelCount) }
    }
}

extension Kernels {
    /// sums[j] += Σ_r matrix[r·rowStride + j] for j < columns, on the calling thread. Column sums stay in
    /// registers over all the rows, 32 columns and two rows at a time, so eight independent add chains hide
    /// the add latency (adding row by row into `sums` would chain every row through a store and a load).
    @inline(__always)
    static func addColumnSums(
        _ matrix: UnsafePointer<Float>, rows: Int, columns: Int, rowStride: Int, into sums: UnsafeMutablePointer<Float>
    ) {
        var j = 0
        while j + 32 <= columns {
            var (even0, even1, even2, even3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
            var (odd0, odd1, odd2, odd3) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
            var r = 0
            while r + 2 <= rows {
                let row = matrix + (r * rowStride + j), next = row + rowStride
                even0 += loadVector(row); even1 += loadVector(row + 8)
                even2 += loadVector(row + 16); even3 += loadVector(row + 24)
                odd0 += loadVector(next); odd1 += loadVector(next + 8)
                odd2 += loadVector(next + 16); odd3 += loadVector(next + 24)
                r += 2
            }
            if r < rows {
                let row = matrix + (r * rowStride + j)
                even0 += loadVector(row); even1 += loadVector(row + 8)
                even2 += loadVector(row + 16); even3 += loadVector(row + 24)
            }
            storeVector(loadVector(sums + j) as SIMD8<Float> + (even0 + odd0), sums + j)
            storeVector(loadVector(sums + j + 8) as SIMD8<Float> + (even1 + odd1), sums + j + 8)
            storeVector(loadVector(sums + j + 16) as SIMD8<Float> + (even2 + odd2), sums + j + 16)
            storeVector(loadVector(sums + j + 24) as SIMD8<Float> + (even3 + odd3), sums + j + 24)
            j += 32
        }
        while j + 16 <= columns {
            var total = SIMD16<Float>()
            for r in 0..<rows { total += loadVector(matrix + (r * rowStride + j)) }
            storeVector(loadVector(sums + j) as SIMD16<Float> + total, sums + j)
            j += 16
        }
        while j < columns {
            var total: Float = 0
            for r in 0..<rows { total += matrix[r * rowStride + j] }
            sums[j] += total
            j += 1
        }
    }

    /// y[0..<count] += x[0..<count] on the calling thread (for short rows inside parallel kernels).
    @inline(__always)
    static func accumulateInline(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j + 16 <= count {
            storeVector(loadVector(y + j) as SIMD16<Float> + loadVector(x + j), y + j)
            j += 16
        }
        while j < count {
            y[j] += x[j]
            j += 1
        }
    }
}

/// One output pixel: image, row and column.
struct PixelCursor {
    var image: Int
    var oy: Int
    var ox: Int
}

/// Consecutive output pixels whose patches start `pixelStep` floats apart; patch rows are `rowStride`
/// apart (an input row in place, or KW·C in a copied patch). `firstPixel` counts from the chunk's start.
struct PatchSegment {
    var origin: UnsafePointer<Float>
    var rowStride: Int
    var pixelStep: Int
    var firstPixel: Int
    var count: Int
}

/// A convolution's work split and scratch layout, and its implicit-im2col packing.
struct ConvPlan {
    /// Pixels per chunk of the weight gradient: their output gradients (chunk × O) stay in L1/L2 while
    /// every tile of dW streams them.
    static let weightChunk = 96


    let shape: Conv2DShape
    /// NR of the tiles that run it (16 or 32).
    let nr: Int
    let pixels: Int

    let forwardSharedCount: Int
    let forwardPerWorkerCount: Int
    let backwardInputSharedCount: Int
    let backwardInputPerWorkerCount: Int
    let backwardWeightPerWorkerCount: Int

    init(_ s: Conv2DShape, nr: Int) {
        shape = s
        self.nr = nr
        pixels = s.batch * s.outHeight * s.outWidth
        let depth = s.patchCount
        let outChannels = s.outChannels
        forwardSharedCount = depth * GEMM.panels(outChannels, nr) * nr
        forwardPerWorkerCount = GEMM.mr * depth
        // `TiledGEMM.packedAllOfBCount(k: O, n: D)`: Wᵀ packed whole.
        backwardInputSharedCount = outChannels * GEMM.panels(depth, nr) * nr
        backwardInputPerWorkerCount = GEMM.mc * (depth + outChannels)
        backwardWeightPerWorkerCount = Self.weightChunk * (depth + nr + outChannels) + s.kernelCount
            + outChannels
    }

    /// Floats of workspace a convolution of shape `s` needs on any tile width.
    static func workspaceCount(_ s: Conv2DShape) -> Int {
        max(ConvPlan(s, nr: TiledGEMM<SIMD8<Float>>.nr).workspaceCount,
            ConvPlan(s, nr: TiledGEMM<SIMD16<Float>>.nr).workspaceCount)
    }

    /// Rows of dX per band of the stride-1 input gradient from a built dY (this plan being the transposed
    /// convolution): the band's built dY rows, halo included, take about 256 KB so they stay in L2.
    var builtBandRows: Int {
        let gradientRow = max(shape.width * shape.inChannels, 1)
        return max(1, min(shape.outHeight, (1 << 16) / gradientRow - (shape.kernelHeight - 1)))
    }

    /// Floats per worker of the stride-1 input gradient from a built dY: the band's dY rows, then patches.
    var builtBandPerWorkerCount: Int {
        (builtBandRows + shape.kernelHeight - 1) * shape.width * shape.inChannels + forwardPerWorkerCount
    }

    var workspaceCount: Int {
        let workers = GEMM.maxWorkers
        var count = max(forwardSharedCount + workers * forwardPerWorkerCount,
                        workers * backwardWeightPerWorkerCount)
        if let transposed = Self.transposedConvolution(of: shape) {
            let plan = ConvPlan(transposed, nr: nr)
            count = max(count, plan.forwardSharedCount + workers * plan.builtBandPerWorkerCount)
        } else {
            count = max(count, backwardInputSharedCount + workers * backwardInputPerWorkerCount)
        }
        return count
    }

    /// For stride 1, the forward convolution whose output is this one's input gradient: dY as input, O → C
    /// channels, and padding KH−1−top (etc.) so that every dY pixel that touched an input pixel is in its
    /// window. nil for strided convolutions, and for fewer input channels than the narrowest tile's columns
    /// (they would fill too few of the micro-kernel's lanes; col2im is faster there). The bound is the same
    /// whatever the variant, so that every variant takes the same path and sums in the same order.
    static func transposedConvolution(of s: Conv2DShape) -> Conv2DShape? {
        guard s.strideY == 1, s.strideX == 1, s.inChannels >= TiledGEMM<SIMD8<Float>>.nr else { return nil }
        var t = Conv2DShape(batch: s.batch, height: s.outHeight, width: s.outWidth, inChannels: s.outChannels,
                            outChannels: s.inChannels, kernelHeight: s.kernelHeight, kernelWidth: s.kernelWidth)
        t.padTop = s.kernelHeight - 1 - s.padTop
        t.padLeft = s.kernelWidth - 1 - s.padLeft
        t.padBottom = s.height - t.height + s.kernelHeight - 1 - t.padTop
        t.padRight = s.width - t.width + s.kernelWidth - 1 - t.padLeft
        return t
    }

    /// Packs the transposed convolution's kernel W'[ky][kx][o][c] = W[KH−1−ky][KW−1−kx][c][o] as NR-wide
    /// panels over C and the whole depth KH·KW·O (the layout `convolve` reads).
    static func packFlippedKernel(
        _ s: Conv2DShape, _ kernel: UnsafePointer<Float>, nr: Int, into packed: UnsafeMutablePointer<Float>
    ) {
        let (inChannels, outChannels) = (s.inChannels, s.outChannels)
        let depth = s.kernelHeight * s.kernelWidth * outChannels
        var panelStart = 0
        while panelStart < inChannels {
            let panel = packed + panelStart * depth
            for ky in 0..<s.kernelHeight {
                for kx in 0..<s.kernelWidth {
                    let tap = kernel + ((s.kernelHeight - 1 - ky) * s.kernelWidth + (s.kernelWidth - 1 - kx))
                        * inChannels * outChannels
                    for o in 0..<outChannels {
                        let row = panel + ((ky * s.kernelWidth + kx) * outChannels + o) * nr
                        for j in 0..<nr {
                            let c = panelStart + j
                            row[j] = c < inChannels ? tap[c * outChannels + o] : 0
                        }
                    }
                }
            }
            panelStart += nr
        }
    }

    /// One worker's slice of the weight-gradient workspace.
    func backwardWeightScratch(_ workspace: UnsafeMutablePointer<Float>, worker: Int) -> (
        patches: UnsafeMutablePointer<Float>, paddedGradient: UnsafeMutablePointer<Float>,
        gradientRows: UnsafeMutablePointer<Float>, partialKernel: UnsafeMutablePointer<Float>,
        partialBias: UnsafeMutablePointer<Float>
    ) {
        let patches = workspace + worker * backwardWeightPerWorkerCount
        let paddedGradient = patches + Self.weightChunk * shape.patchCount
        let gradientRows = paddedGradient + Self.weightChunk * nr
        let partialKernel = gradientRows + Self.weightChunk * shape.outChannels
        return (patches, paddedGradient, gradientRows, partialKernel, partialKernel + shape.kernelCount)
    }

    /// How many tasks share `items` independent pieces of a convolution doing about `work` multiply-adds.
    /// With all processors to ourselves there are up to four tasks per thread: `concurrentPerform` hands
    /// them to whichever thread is free, so a core slowed by other work delays the call less than with a
    /// fixed half each.
    func workers(forItems items: Int, work: Int) -> Int {
        guard items > 0 else { return 0 }
        guard work >= GEMM.parallelThreshold else { return 1 }
        let threads = Kernels.threadCount
        let tasks = threads >= Kernels.processorCount ? 4 * threads : threads
        return min(tasks, GEMM.maxWorkers, items)
    }

    /// Calls `body(offset, source, count)` for the runs of patch elements depth..<depth+depthCount of output
    /// pixel `pixel` (flat over N, OH, OW): `source` holds `count` consecutive elements starting at patch
    /// offset `offset` relative to `depth`, or is nil where the patch lies in the padding (zeros).
    @inline(__always)
    func forEachPatchRun(
        pixel: Int, depth: Int, depthCount: Int, input: UnsafePointer<Float>,
        _ body: (_ offset: Int, _ source: UnsafePointer<Float>?, _ count: Int) -> Void
    ) {
        let s = shape
        let (image, imagePixel) = pixel.quotientAndRemainder(dividingBy: s.outHeight * s.outWidth)
        let (oy, ox) = imagePixel.quotientAndRemainder(dividingBy: s.outWidth)
        let rowSpan = s.kernelWidth * s.inChannels
        let firstX = ox * s.strideX - s.padLeft
        let wholeRowInside = firstX >= 0 && firstX + s.kernelWidth <= s.width
        let depthEnd = depth + depthCount
        var d = depth
        while d < depthEnd {
            let ky = d / rowSpan
            let rowOffset = d - ky * rowSpan
            let segmentEnd = min(depthEnd, (ky + 1) * rowSpan)
            let y = oy * s.strideY + ky - s.padTop
            if y < 0 || y >= s.height {
                body(d - depth, nil, segmentEnd - d)
            } else {
                // The KW taps of one kernel row are consecutive pixels of one input row: one run when
                // all of them are inside the image, else one run per tap.
                let row = input + ((image * s.height + y) * s.width) * s.inChannels
                if wholeRowInside {
                    body(d - depth, row + firstX * s.inChannels + rowOffset, segmentEnd - d)
                } else {
                    var e = d
                    while e < segmentEnd {
                        let kx = (e - ky * rowSpan) / s.inChannels
                        let channel = e - ky * rowSpan - kx * s.inChannels
                        let tapEnd = min(segmentEnd, ky * rowSpan + (kx + 1) * s.inChannels)
                        let x = firstX + kx
                        body(e - depth, x >= 0 && x < s.width ? row + x * s.inChannels + channel : nil, tapEnd - e)
                        e = tapEnd
                    }
                }
            }
            d = segmentEnd
        }
    }

    /// The (segments, segmentLength, segmentStride) of a patch read in place: KH runs of KW·C floats, one
    /// input row apart.
    var patchSegments: (Int, Int, Int) {
        (shape.kernelHeight, shape.kernelWidth * shape.inChannels, shape.width * shape.inChannels)
    }

    /// The output pixel at flat index `pixel` (over N, OH, OW).
    @inline(__always)
    func cursor(pixel: Int) -> PixelCursor {
        let (image, imagePixel) = pixel.quotientAndRemainder(dividingBy: shape.outHeight * shape.outWidth)
        let (oy, ox) = imagePixel.quotientAndRemainder(dividingBy: shape.outWidth)
        return PixelCursor(image: image, oy: oy, ox: ox)
    }

    /// Where `pixel`'s patch starts in the input, or nil when it touches the padding.
    @inline(__always)
    func patchOrigin(_ pixel: PixelCursor, input: UnsafePointer<Float>) -> UnsafePointer<Float>? {
        let s = shape
        let y = pixel.oy * s.strideY - s.padTop
        let x = pixel.ox * s.strideX - s.padLeft
        guard y >= 0, x >= 0, y + s.kernelHeight <= s.height, x + s.kernelWidth <= s.width else { return nil }
        return input + ((pixel.image * s.height + y) * s.width + x) * s.inChannels
    }

    /// Moves `pixel` to the next output pixel (no division: with a small patch, two divisions per pixel
    /// cost about as much as its multiply-adds).
    @inline(__always)
    func advance(_ pixel: inout PixelCursor) {
        pixel.ox += 1
        if pixel.ox == shape.outWidth {
            pixel.ox = 0
            pixel.oy += 1
            if pixel.oy == shape.outHeight {
                pixel.oy = 0
                pixel.image += 1
            }
        }
    }

    /// Copies output pixel `pixel`'s whole patch (one im2col row, D floats, zeros in the padding).
    func copyPatch(pixel: Int, input: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>) {
        forEachPatchRun(pixel: pixel, depth: 0, depthCount: shape.patchCount, input: input) { offset, source, count in
            if let source {
                (destination + offset).update(from: source, count: count)
            } else {
                (destination + offset).update(repeating: 0, count: count)
            }
        }
    }

    /// Groups pixels firstPixel..<+pixelCount into segments of consecutive pixels whose patches lie
    /// pixelStep apart in the input; a pixel whose patch touches the padding gets its patch copied (with
    /// zeros) into `patches` and a segment of its own. Returns the number of segments written.
    func segments(
        firstPixel: Int, pixelCount: Int, input: UnsafePointer<Float>, patches: UnsafeMutablePointer<Float>,
        into segments: UnsafeMutablePointer<PatchSegment>
    ) -> Int {
        let s = shape
        let imageRowStride = s.width * s.inChannels
        let pixelStep = s.strideX * s.inChannels
        var count = 0
        var copiedPatches = 0
        var pixel = cursor(pixel: firstPixel)
        for p in 0..<pixelCount {
            defer { advance(&pixel) }
            if let origin = patchOrigin(pixel, input: input) {
                if count > 0 {
                    let last = segments[count - 1]
                    if last.rowStride == imageRowStride, last.pixelStep == pixelStep,
                       last.origin + last.count * pixelStep == origin {
                        segments[count - 1].count += 1
                        continue
                    }
                }
                segments[count] = PatchSegment(
                    origin: origin, rowStride: imageRowStride, pixelStep: pixelStep, firstPixel: p, count: 1)
            } else {
                let patch = patches + copiedPatches * s.patchCount
                copyPatch(pixel: firstPixel + p, input: input, into: patch)
                copiedPatches += 1
                segments[count] = PatchSegment(
                    origin: patch, rowStride: s.kernelWidth * s.inChannels, pixelStep: 0, firstPixel: p, count: 1)
            }
            count += 1
        }
        return count
    }

    /// One 6×NR tile of colᵀ · dY: patch elements depthRow..<+rows (rows ≤ 6; missing rows repeat the first)
    /// against NR columns of the output gradient, whose pixel p row is at b + p·ldb, over all the segments.
    @inline(__always)
    func weightTile<V: TileVector>(
        _ vector: V.Type, segments: UnsafePointer<PatchSegment>, count: Int, depthRow: Int, rows: Int,
        b: UnsafePointer<Float>, ldb: Int
    ) -> AccumulatorTile<V> {
        // Patch element d = ky·(KW·C) + rest sits at ky·rowStride + rest from the patch origin.
        let span = shape.kernelWidth * shape.inChannels
        @inline(__always) func split(_ r: Int) -> (Int, Int) {
            (depthRow + min(r, rows - 1)).quotientAndRemainder(dividingBy: span)
        }
        let (ky0, rest0) = split(0), (ky1, rest1) = split(1), (ky2, rest2) = split(2)
        let (ky3, rest3) = split(3), (ky4, rest4) = split(4), (ky5, rest5) = split(5)
        var tile = AccumulatorTile<V>()
        // Six neighbours in one kernel row are six consecutive floats of the image (or of a copied patch).
        let consecutive = rows == GEMM.mr && ky0 == ky5
        for index in 0..<count {
            let segment = segments[index]
            let stride = segment.rowStride
            let pb = b + segment.firstPixel * ldb
            if consecutive {
                tile.accumulate(consecutive: segment.origin + (ky0 * stride + rest0), depthStep: segment.pixelStep,
                                count: segment.count, b: pb, ldb: ldb)
            } else {
                var rowPointers = RowPointers(repeating: segment.origin)
                rowPointers.r0 += ky0 * stride + rest0
                rowPointers.r1 += ky1 * stride + rest1
                rowPointers.r2 += ky2 * stride + rest2
                rowPointers.r3 += ky3 * stride + rest3
                rowPointers.r4 += ky4 * stride + rest4
                rowPointers.r5 += ky5 * stride + rest5
                tile.accumulate(a: rowPointers, depthStep: segment.pixelStep, segments: 1,
                                segmentLength: segment.count, segmentStride: 0, b: pb, ldb: ldb)
            }
        }
        return tile
    }

    /// Whether the weight gradient is a plain dW = Xᵀ · dY sgemm: a 1×1, stride-1, unpadded kernel (X is
    /// then the P×C col matrix itself) too large to stay in L2. The pixel-chunk loop would read and write
    /// all of dW once per chunk; the sgemm's K blocking keeps each block of dW in cache.
    var weightGradientIsPlainGEMM: Bool {
        let s = shape
        return s.kernelHeight == 1 && s.kernelWidth == 1 && s.strideY == 1 && s.strideX == 1
            && s.padTop == 0 && s.padLeft == 0 && s.padBottom == 0 && s.padRight == 0 && s.kernelCount >= 1 << 16
    }

    /// Whether the weight gradient can run on `tile`'s 3-row tiles: kernel rows of 3·k elements that
    /// six-row blocks would split (KW·C = 9, 15, …) and a multiple of the tile's columns (32 or 64).
    func usesThreeRowWeightTiles<V: TileVector>(_ tile: ThreeRowTile<V>.Type) -> Bool {
        let span = shape.kernelWidth * shape.inChannels
        return span % GEMM.mr != 0 && span % tile.rows == 0 && shape.outChannels % tile.columns == 0
    }

    /// partialKernel += colᵀ · dY for one chunk of pixels, on 3-row tiles: for each run of three patch
    /// elements of one kernel row (outer, so the input streams it reads stay in L1) and each block of
    /// columns, the tile streams all the segments' pixels. `gradient` holds the chunk's dY rows.
    @inline(__always)
    func addThreeRowWeightTiles<V: TileVector>(
        _ tile: ThreeRowTile<V>.Type, segments: UnsafePointer<PatchSegment>, count: Int,
        gradient: UnsafePointer<Float>, into partialKernel: UnsafeMutablePointer<Float>
    ) {
        let outChannels = shape.outChannels
        for row in stride(from: 0, to: shape.patchCount, by: tile.rows) {
            let (ky, rest) = row.quotientAndRemainder(dividingBy: shape.kernelWidth * shape.inChannels)
            for column in stride(from: 0, to: outChannels, by: tile.columns) {
                var sums = ThreeRowTile<V>()
                for index in 0..<count {
                    let segment = segments[index]
                    sums.accumulate(consecutive: segment.origin + (ky * segment.rowStride + rest),
                                    depthStep: segment.pixelStep, count: segment.count,
                                    b: gradient + column + segment.firstPixel * outChannels, ldb: outChannels)
                }
                sums.add(into: partialKernel + row * outChannels + column, ldc: outChannels)
            }
        }
    }

    /// col2im: adds the rows of a pixelCount×D column tile into the input gradient at their patches.
    func addPatches(
        _ columns: UnsafePointer<Float>, firstPixel: Int, pixelCount: Int,
        into inputGradient: UnsafeMutablePointer<Float>
    ) {
        let depth = shape.patchCount
        for p in 0..<pixelCount {
            let row = columns + p * depth
            forEachPatchRun(pixel: firstPixel + p, depth: 0, depthCount: depth, input: UnsafePointer(inputGradient)) {
                offset, source, count in
                guard let source else { return }
                Kernels.accumulateInline(row + offset, into: UnsafeMutablePointer(mutating: source), count: count)
            }
        }
    }
}
