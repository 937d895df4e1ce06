// Inference only: convolution + bias + activation + max pooling in one pass, so the convolution's output
// (for task1-large's first layer, 202 MB per batch of 32) is never written to memory and read back.
//
// Legend: as in Conv2D.swift (N, H, W, C, O, KH, KW, OH, OW), plus P/S the pool size and stride and
// PH/PW the pooled size: PH = (OH − P) / S + 1 (valid pooling, Keras MaxPooling2D). Input NHWC, kernel
// HWIO, output NHWC [N, PH, PW, O].
//
// Work is split into (image, band of pooled rows) items. A worker computes the band's convolution rows
// (S·(rows − 1) + P of them) with the forward micro-kernel into its own scratch, which stays in L2, then
// takes the maxima into the output. For training, each maximum's window code (its position in the window,
// ty·P + tx, first maximum in row-major order on ties; −1 after a ReLU when it is 0) can be written beside
// it: the backward kernels route the pooled gradient through these codes (ConvOutputGradient.swift).

extension Kernels {
    /// output = maxPool(activation(conv(input, kernel) + bias)), with `poolSize`×`poolSize` windows every
    /// `poolStride` pixels. `workspace` holds `s.maxPooledWorkspaceCount(poolSize:poolStride:)` floats.
    /// Equals `conv2dForward` then `maxPool2dForward` exactly (the same sums in the same order). With
    /// `windows` (one per output value), also the maxima's window codes for the backward kernels.
    public static func conv2dForwardMaxPooled(
        _ s: Conv2DShape, poolSize: Int, poolStride: Int, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, activation: Activation, output: UnsafeMutablePointer<Float>,
        windows: UnsafeMutablePointer<Int32>? = nil, workspace: UnsafeMutablePointer<Float>
    ) {
        switch activeVariant.tileVector {
        case .sixteen:
            TiledConvolution<SIMD16<Float>>.forwardMaxPooled(
                s, poolSize: poolSize, poolStride: poolStride, input: input, kernel: kernel, bias: bias,
                activation: activation, output: output, windows: windows, workspace: workspace)
        case .eight:
            TiledConvolution<SIMD8<Float>>.forwardMaxPooled(
                s, poolSize: poolSize, poolStride: poolStride, input: input, kernel: kernel, bias: bias,
                activation: activation, output: output, windows: windows, workspace: workspace)
        }
    }
}

extension Conv2DShape {
    /// The max pooling of this convolution's output with `poolSize` windows every `poolStride` pixels.
    public func pooled(poolSize: Int, poolStride: Int) -> Pool2DShape {
        Pool2DShape(batch: batch, height: outHeight, width: outWidth, channels: outChannels, poolSize: poolSize,
                    stride: poolStride)
    }

    /// Floats of workspace `Kernels.conv2dForwardMaxPooled` needs on any kernel variant.
    public func maxPooledWorkspaceCount(poolSize: Int, poolStride: Int) -> Int {
        [16, 32].map { MaxPooledConvPlan(self, poolSize: poolSize, poolStride: poolStride, nr: $0).workspaceCount }
            .max()!
    }
}

/// The band split and scratch layout of a max-pooled convolution.
struct MaxPooledConvPlan {
    let convolution: ConvPlan
    let pool: Pool2DShape
    /// Pooled rows per work item: their convolution rows take about 128 KB, so they stay in L2 until pooled.
    let bandRows: Int
    /// Convolution rows a band of `bandRows` pooled rows reads.
    let convolutionRowsPerBand: Int

    init(_ s: Conv2DShape, poolSize: Int, poolStride: Int, nr: Int) {
        convolution = ConvPlan(s, nr: nr)
        pool = s.pooled(poolSize: poolSize, poolStride: poolStride)
        let rowFloats = max(1, s.outWidth * s.outChannels)
        let fitting = ((1 << 15) / rowFloats - poolSize) / poolStride + 1
        bandRows = max(1, min(max(pool.outHeight, 1), fitting))
        convolutionRowsPerBand = (bandRows - 1) * poolStride + poolSize
    }

    /// Floats per worker: the band's convolution rows, then the forward kernel's patches.
    var perWorkerCount: Int {
        convolutionRowsPerBand * convolution.shape.outWidth * convolution.shape.outChannels
            + convolution.forwardPerWorkerCount
    }

    var workspaceCount: Int { convolution.forwardSharedCount + GEMM.maxWorkers * perWorkerCount }
}

extension TiledConvolution {
    static func forwardMaxPooled(
        _ s: Conv2DShape, poolSize: Int, poolStride: Int, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, activation: Activation, output: UnsafeMutablePointer<Float>,
        windows: UnsafeMutablePointer<Int32>?, workspace: UnsafeMutablePointer<Float>
    ) {
        let plan = MaxPooledConvPlan(s, poolSize: poolSize, poolStride: poolStride, nr: nr)
        let pool = plan.pool
        let bands = GEMM.panels(pool.outHeight, plan.bandRows)
        guard pool.outHeight > 0, pool.outWidth > 0, s.batch > 0 else { return }
        Engine.packB(GEMMOperand(base: kernel, leadingDimension: s.outChannels, isTransposed: false),
                     depth: 0, depthCount: s.patchCount, column: 0, columnCount: s.outChannels, into: workspace)
        let scratch = workspace + plan.convolution.forwardSharedCount
        let (outHeight, outWidth, outChannels) = (s.outHeight, s.outWidth, s.outChannels)
        let items = s.batch * bands
        let workers = plan.convolution.workers(
            forItems: items, work: s.batch * outHeight * outWidth * s.patchCount * outChannels)
        Kernels.parallelFor(chunks: workers) { worker in
            let rows = scratch + worker * plan.perWorkerCount
            let patches = rows + plan.convolutionRowsPerBand * outWidth * outChannels
            for item in GEMM.chunkRange(count: items, granularity: 1, chunk: worker, of: workers) {
                let (image, band) = item.quotientAndRemainder(dividingBy: bands)
                let pooledRows = (band * plan.bandRows)..<min(pool.outHeight, (band + 1) * plan.bandRows)
                // Convolution rows y0..<y1 of this image feed the band.
                let y0 = pooledRows.lowerBound * poolStride
                let y1 = (pooledRows.upperBound - 1) * poolStride + poolSize
                let firstPixel = (image * outHeight + y0) * outWidth
                convolve(plan.convolution, pixels: firstPixel..<(firstPixel + (y1 - y0) * outWidth), input: input,
                         packedKernel: workspace, bias: bias, activation: activation, output: rows,
                         patches: patches)
                let imageOutput = (image * pool.outHeight * pool.outWidth) * outChannels
                Kernels.maxPoolRows(
                    pool, rows: UnsafePointer(rows), firstRow: y0, pooledRows: pooledRows, into: output + imageOutput,
                    windows: windows.map { $0 + imageOutput }, afterReLU: activation == .relu)
            }
        }
    }
}

extension Kernels {
    /// output row py (for py in `pooledRows`) = the maxima of one image's input rows py·S ..< py·S + P, where
    /// `rows` holds input rows firstRow... of that image (W·C floats each) and `image` is its output;
    /// `windows`, if given, gets the maxima's window codes (−1 for a 0 maximum `afterReLU`).
    /// Channels run in SIMD lanes; ties and NaN as `maxPool2dForward` (a later tap wins only if greater).
    @inline(__always)
    static func maxPoolRows(
        _ s: Pool2DShape, rows: UnsafePointer<Float>, firstRow: Int, pooledRows: Range<Int>,
        into image: UnsafeMutablePointer<Float>, windows: UnsafeMutablePointer<Int32>?, afterReLU: Bool
    ) {
        let (channels, rowFloats, pooledWidth) = (s.channels, s.width * s.channels, s.outWidth)
        for py in pooledRows {
            let windowTop = rows + (py * s.strideY - firstRow) * rowFloats
            for px in 0..<pooledWidth {
                let window = windowTop + px * s.strideX * channels
                let target = image + (py * pooledWidth + px) * channels
                let codes = windows.map { $0 + (py * pooledWidth + px) * channels }
                var c = 0
                while c + 16 <= channels {
                    var best: SIMD16<Float> = loadVector(window + c)
                    var bestCode = SIMD16<Int32>()
                    for ty in 0..<s.poolHeight {
                        for tx in 0..<s.poolWidth where ty > 0 || tx > 0 {
                            let v: SIMD16<Float> = loadVector(window + ty * rowFloats + tx * channels + c)
                            let better = v .> best
                            best.replace(with: v, where: better)
                            bestCode.replace(with: SIMD16<Int32>(repeating: Int32(ty * s.poolWidth + tx)), where: better)
                        }
                    }
                    storeVector(best, target + c)
                    if let codes {
                        if afterReLU { bestCode.replace(with: -1, where: best .<= SIMD16<Float>()) }
                        UnsafeMutableRawPointer(codes + c).storeBytes(of: bestCode, as: SIMD16<Int32>.self)
                    }
                    c += 16
                }
                while c < channels {
                    var best = window[c]
                    var bestCode: Int32 = 0
                    for ty in 0..<s.poolHeight {
                        for tx in 0..<s.poolWidth {
                            let v = window[ty * rowFloats + tx * channels + c]
                            if v > best { (best, bestCode) = (v, Int32(ty * s.poolWidth + tx)) }
                        }
                    }
                    target[c] = best
                    if let codes {
                        let noGradient: Int32 = -1
                        codes[c] = afterReLU && best <= 0 ? noGradient : bestCode
                    }
                    c += 1
                }
            }
        }
    }
}
