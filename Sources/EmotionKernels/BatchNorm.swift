// Batch normalisation over the channels of NHWC data: per-channel statistics, the normalising affine pass
// (with an optional fused clamp, e.g. ReLU6), and the two backward passes.
//
// Legend: rows = N·H·W pixels, channels = C; x, y, dy, dx are rows × channels row-major (NHWC flattened).
// The layer turns (gamma, beta, mean, rstd) into per-channel scale/shift, so the forward pass is one
// multiply-add per element: y = x · scale[c] + shift[c].

extension Kernels {
    /// mean[c] = Σ_rows x / rows and variance[c] = Σ_rows (x − mean)² / rows (biased, what normalising uses).
    /// Two passes for accuracy; partial sums of 256 rows in Float SIMD, blocks summed in Double.
    public static func batchNormStatistics(
        _ x: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
    ) {
        mean.update(repeating: 0, count: channels)
        channelSums(rows: rows, channels: channels, into: mean) { block, row in
            addChannelRow(x + row * channels, into: block, count: channels)
        }
        for c in 0..<channels { mean[c] /= Float(max(rows, 1)) }
        channelSums(rows: rows, channels: channels, into: variance) { block, row in
            let source = x + row * channels
            var c = 0
            while c + 16 <= channels {
                let d = (loadVector(source + c) as SIMD16<Float>) - loadVector(mean + c)
                var sum: SIMD16<Float> = loadVector(block + c)
                sum.addProduct(d, d)
                storeVector(sum, block + c)
                c += 16
            }
            while c < channels {
                let d = source[c] - mean[c]
                block[c] += d * d
                c += 1
            }
        }
        for c in 0..<channels { variance[c] /= Float(max(rows, 1)) }
    }

    /// y = clamp(x · scale[c] + shift[c], lower, upper). y may equal x. Parallel over rows.
    public static func batchNormApply(
        _ x: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
        rows: Int, channels: Int, lower: Float = -.infinity, upper: Float = .infinity,
        output y: UnsafeMutablePointer<Float>
    ) {
        let minimumRows = max(1, parallelElementThreshold / max(channels, 1))
        parallelRanges(count: rows, minimumPerChunk: minimumRows) { rowRange in
            let low = SIMD16<Float>(repeating: lower), high = SIMD16<Float>(repeating: upper)
            for row in rowRange {
                let source = x + row * channels, target = y + row * channels
                var c = 0
                while c + 16 <= channels {
                    var v: SIMD16<Float> = loadVector(shift + c)
                    v.addProduct(loadVector(source + c), loadVector(scale + c))
                    storeVector(clamp(v, low, high), target + c)
                    c += 16
                }
                while c < channels {
                    target[c] = min(max(source[c] * scale[c] + shift[c], lower), upper)
                    c += 1
                }
            }
        }
    }

    /// gradientSum[c] = Σ_rows dy and gradientDotNormalized[c] = Σ_rows dy · (x − mean[c]) · rstd[c]:
    /// the beta and gamma gradients.
    public static func batchNormBackwardReduce(
        _ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, mean: UnsafePointer<Float>,
        rstd: UnsafePointer<Float>, rows: Int, channels: Int,
        gradientSum: UnsafeMutablePointer<Float>, gradientDotNormalized: UnsafeMutablePointer<Float>
    ) {
        channelSums(rows: rows, channels: channels, into: gradientSum) { block, row in
            addChannelRow(dy + row * channels, into: block, count: channels)
        }
        channelSums(rows: rows, channels: channels, into: gradientDotNormalized) { block, row in
            let source = x + row * channels, gradient = dy + row * channels
            var c = 0
            while c + 16 <= channels {
                let d = (loadVector(source + c) as SIMD16<Float>) - loadVector(mean + c)
                var sum: SIMD16<Float> = loadVector(block + c)
                sum.addProduct(d, loadVector(gradient + c))
                storeVector(sum, block + c)
                c += 16
            }
            while c < channels {
                block[c] += (source[c] - mean[c]) * gradient[c]
                c += 1
            }
        }
        for c in 0..<channels { gradientDotNormalized[c] *= rstd[c] }
    }

    /// dx = dy · gradientScale[c] + x · inputScale[c] + shift[c]: the input gradient of both BN modes
    /// (inference: only gradientScale = gamma·rstd is non-zero). Parallel over rows.
    public static func batchNormBackwardInput(
        outputGradient dy: UnsafePointer<Float>, input x: UnsafePointer<Float>,
        gradientScale: UnsafePointer<Float>, inputScale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
        rows: Int, channels: Int, inputGradient dx: UnsafeMutablePointer<Float>
    ) {
        let minimumRows = max(1, parallelElementThreshold / max(channels, 1))
        parallelRanges(count: rows, minimumPerChunk: minimumRows) { rowRange in
            for row in rowRange {
                let gradient = dy + row * channels, source = x + row * channels, target = dx + row * channels
                var c = 0
                while c + 16 <= channels {
                    var v: SIMD16<Float> = loadVector(shift + c)
                    v.addProduct(loadVector(gradient + c), loadVector(gradientScale + c))
                    v.addProduct(loadVector(source + c), loadVector(inputScale + c))
                    storeVector(v, target + c)
                    c += 16
                }
                while c < channels {
                    target[c] = gradient[c] * gradientScale[c] + source[c] * inputScale[c] + shift[c]
                    c += 1
                }
            }
        }
    }

    /// out[c] = Σ over rows of what `accumulate(block, row)` adds into a zeroed per-channel block: blocks of
    /// 256 rows are summed in Float, the blocks in Double.
    private static func channelSums(
        rows: Int, channels: Int, into out: UnsafeMutablePointer<Float>,
        _ accumulate: (UnsafeMutablePointer<Float>, Int) -> Void
    ) {
        let block = UnsafeMutablePointer<Float>.allocate(capacity: max(channels, 1))
        let total = UnsafeMutablePointer<Double>.allocate(capacity: max(channels, 1))
        defer { block.deallocate(); total.deallocate() }
        total.initialize(repeating: 0, count: channels)
        var start = 0
        while start < rows {
            block.initialize(repeating: 0, count: channels)
            for row in start..<min(start + 256, rows) { accumulate(block, row) }
            for c in 0..<channels { total[c] += Double(block[c]) }
            start += 256
        }
        for c in 0..<channels { out[c] = Float(total[c]) }
    }

    @inline(__always)
    private static func addChannelRow(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var c = 0
        while c + 16 <= count {
            storeVector(loadVector(target + c) as SIMD16<Float> + loadVector(source + c), target + c)
            c += 16
        }
        while c < count {
            target[c] += source[c]
            c += 1
        }
    }

    /// min(max(v, low), high) per lane, as two compare-and-selects (`SIMD.clamped` is several times slower).
    @inline(__always)
    static func clamp(_ v: SIMD16<Float>, _ low: SIMD16<Float>, _ high: SIMD16<Float>) -> SIMD16<Float> {
        v.replacing(with: low, where: v .< low).replacing(with: high, where: v .> high)
    }
}
