// Batch normalisation over the channels of NHWC data: per-channel statistics, the normalising affine pass
// (with its activation fused: ReLU6's clamp or SiLU), and the two backward passes (which apply the
// activation's gradient on the fly).
//
// Legend: rows = N·H·W pixels, channels = C; x, y, dy, dx are rows × channels row-major (NHWC flattened).
// The layer turns (gamma, beta, mean, rstd) into per-channel scale/shift, so the forward pass is one
// multiply-add per element: y = x · scale[c] + shift[c].

extension Kernels {
    /// mean[c] = Σ_rows x / rows and variance[c] = Σ_rows (x − mean)² / rows (biased, what normalising uses).
    /// Two passes for accuracy; partial sums of 256 rows in Float SIMD, blocks summed in Double; parallel
    /// over row blocks.
    public static func batchNormStatistics(
        _ x: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
    ) {
        channelSums(rows: rows, channels: channels, outputs: [mean]) { block, row in
            addChannelRow(x + row * channels, into: block, count: channels)
        }
        for c in 0..<channels { mean[c] /= Float(max(rows, 1)) }
        let center = UnsafePointer(mean)
        channelSums(rows: rows, channels: channels, outputs: [variance]) { block, row in
            let source = x + row * channels
            var c = 0
            while c + 16 <= channels {
                let d = (loadVector(source + c) as SIMD16<Float>) - loadVector(center + c)
                var sum: SIMD16<Float> = loadVector(block + c)
                sum.addProduct(d, d)
                storeVector(sum, block + c)
                c += 16
            }
            while c < channels {
                let d = source[c] - center[c]
                block[c] += d * d
                c += 1
            }
        }
        for c in 0..<channels { variance[c] /= Float(max(rows, 1)) }
    }

    /// y = f(x · scale[c] + shift[c]) with `map`'s scale, shift and activation f. y may equal x. Parallel
    /// over rows.
    public static func batchNormApply(
        _ x: UnsafePointer<Float>, _ map: ChannelAffineActivation, rows: Int, channels: Int,
        output y: UnsafeMutablePointer<Float>
    ) {
        let minimumRows = max(1, parallelElementThreshold / max(channels, 1))
        parallelRanges(count: rows, minimumPerChunk: minimumRows) { rowRange in
            for row in rowRange {
                let source = x + row * channels, target = y + row * channels
                var c = 0
                while c + 16 <= channels {
                    storeVector(map.apply(loadVector(source + c), channel: c), target + c)
                    c += 16
                }
                while c < channels {
                    target[c] = map.apply(source[c], channel: c)
                    c += 1
                }
            }
        }
    }

    /// gradientSum[c] = Σ_rows dz and gradientDotNormalized[c] = Σ_rows dz · (x − mean[c]) · rstd[c]: the
    /// beta and gamma gradients, in one pass, parallel over row blocks. dz = dy, or, with `activation`, dy
    /// times the fused activation's derivative at z = x · scale + shift (recomputed here).
    public static func batchNormBackwardReduce(
        _ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        activation: ChannelAffineActivation? = nil,
        mean: UnsafePointer<Float>,
        rstd: UnsafePointer<Float>, rows: Int, channels: Int,
        gradientSum: UnsafeMutablePointer<Float>, gradientDotNormalized: UnsafeMutablePointer<Float>
    ) {
        channelSums(rows: rows, channels: channels, outputs: [gradientSum, gradientDotNormalized]) { block, row in
            let offset = row * channels
            let source = x + offset, gradient = dy + offset
            let sums = block, dots = block + channels
            var c = 0
            while c + 16 <= channels {
                var g: SIMD16<Float> = loadVector(gradient + c)
                if let activation { activation.backpropagate(&g, input: source, channel: c) }
                storeVector(loadVector(sums + c) as SIMD16<Float> + g, sums + c)
                let d = (loadVector(source + c) as SIMD16<Float>) - loadVector(mean + c)
                var dot: SIMD16<Float> = loadVector(dots + c)
                dot.addProduct(d, g)
                storeVector(dot, dots + c)
                c += 16
            }
            while c < channels {
                let g = activation?.backpropagate(gradient[c], input: source[c], channel: c) ?? gradient[c]
                sums[c] += g
                dots[c] += (source[c] - mean[c]) * g
                c += 1
            }
        }
        for c in 0..<channels { gradientDotNormalized[c] *= rstd[c] }
    }

    /// dx = dz · gradientScale[c] + x · inputScale[c] + shift[c]: the input gradient of both BN modes
    /// (inference: only gradientScale = gamma·rstd is non-zero), dz as in `batchNormBackwardReduce`.
    /// Parallel over rows.
    public static func batchNormBackwardInput(
        outputGradient dy: UnsafePointer<Float>, activation: ChannelAffineActivation? = nil,
        input x: UnsafePointer<Float>,
        gradientScale: UnsafePointer<Float>, inputScale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
        rows: Int, channels: Int, inputGradient dx: UnsafeMutablePointer<Float>
    ) {
        let minimumRows = max(1, parallelElementThreshold / max(channels, 1))
        parallelRanges(count: rows, minimumPerChunk: minimumRows) { rowRange in
                for row in rowRange {
                let offset = row * channels
                let gradient = dy + offset, source = x + offset, target = dx + offset
                var c = 0
                while c + 16 <= channels {
                    var g: SIMD16<Float> = loadVector(gradient + c)
                    if let activation { activation.backpropagate(&g, input: source, channel: c) }
                    var v: SIMD16<Float> = loadVector(shift + c)
                    v.addProduct(g, loadVector(gradientScale + c))
                    v.addProduct(loadVector(source + c), loadVector(inputScale + c))
                    storeVector(v, target + c)
                    c += 16
                }
                while c < channels {
                    let g = activation?.backpropagate(gradient[c], input: source[c], channel: c) ?? gradient[c]
                    target[c] = g * gradientScale[c] + source[c] * inputScale[c] + shift[c]
                    c += 1
                }
            }
        }
    }

    /// outputs[k][c] = Σ over rows of what `accumulate(block, row)` adds into block[k·channels + c] (a
    /// zeroed block of outputs.count·channels floats): blocks of 256 rows are summed in Float, the blocks in
    /// Double. Parallel over contiguous runs of blocks, each worker with its own Float block and Double
    /// partial sums, added in worker order at the end.
    private static func channelSums(
        rows: Int, channels: Int, outputs: [UnsafeMutablePointer<Float>],
        _ accumulate: (UnsafeMutablePointer<Float>, Int) -> Void
    ) {
        let width = outputs.count * channels
        let blockRows = 256
        let blocks = (rows + blockRows - 1) / blockRows
        let minimumBlocks = max(1, parallelElementThreshold / max(1, blockRows * channels))
        let workers = max(1, min(threadCount, blocks / minimumBlocks))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, workers * width))
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(1, workers * width))
        defer { scratch.deallocate(); partials.deallocate() }
        partials.initialize(repeating: 0, count: workers * width)
        parallelFor(chunks: workers) { worker in
            let block = scratch + worker * width, total = partials + worker * width
            for blockIndex in (blocks * worker / workers)..<(blocks * (worker + 1) / workers) {
                block.initialize(repeating: 0, count: width)
                let start = blockIndex * blockRows
                for row in start..<min(start + blockRows, rows) { accumulate(block, row) }
                for c in 0..<width { total[c] += Double(block[c]) }
            }
        }
        for (k, out) in outputs.enumerated() {
            for c in 0..<channels {
                var sum: Double = 0
                for worker in 0..<workers { sum += partials[worker * width + k * channels + c] }
                out[c] = Float(sum)
            }
        }
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
    @_transparent
    static func clamp(_ v: SIMD16<Float>, _ low: SIMD16<Float>, _ high: SIMD16<Float>) -> SIMD16<Float> {
        v.replacing(with: low, where: v .< low).replacing(with: high, where: v .> high)
    }
}

/// A per-channel affine map and the activation after it, y = f(x · scale[c] + shift[c]): a batch norm (folded
/// or with batch statistics) and its activation. Forward kernels apply it in one pass, or as an epilogue on
/// sums still in registers; the batch norm's backward passes recompute z = x · scale + shift with the
/// forward's exact arithmetic and multiply the gradient by f'(z), so they need neither y nor a stored z.
public struct ChannelAffineActivation {
    /// f: the identity, a clamp to [lower, upper] (ReLU6: 0 and 6; PyTorch's hardtanh gradient, 0 at the
    /// bounds), or SiLU z · sigmoid(z) (gradient s · (1 + z · (1 − s)), s = sigmoid(z)).
    public enum Function: Sendable, Equatable {
        case linear
        case clamp(lower: Float, upper: Float)
        case silu
    }

    public let scale: UnsafePointer<Float>
    public let shift: UnsafePointer<Float>
    public let function: Function

    public init(scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, function: Function) {
        self.scale = scale
        self.shift = shift
        self.function = function
    }

    /// z = v · scale + shift for channels c..<c+16, fused as every kernel computes it.
    @_transparent
    func affine(_ v: SIMD16<Float>, channel c: Int) -> SIMD16<Float> {
        var z: SIMD16<Float> = loadVector(shift + c)
        z.addProduct(v, loadVector(scale + c))
        return z
    }

    /// f(v · scale + shift) for channels c..<c+16.
    @_transparent
    func apply(_ v: SIMD16<Float>, channel c: Int) -> SIMD16<Float> {
        let z = affine(v, channel: c)
        switch function {
        case .linear: return z
        case let .clamp(lower, upper): return Kernels.clamp(z, SIMD16(repeating: lower), SIMD16(repeating: upper))
        case .silu: return z * Kernels.logistic(z)
        }
    }

    /// The scalar twin of `apply`.
    @inline(__always)
    func apply(_ v: Float, channel c: Int) -> Float {
        let z = shift[c].addingProduct(v, scale[c])
        switch function {
        case .linear: return z
        case let .clamp(lower, upper): return min(max(z, lower), upper)
        case .silu: return z * Kernels.logistic(z)
        }
    }

    /// gradient ·= f'(z) for channels c..<c+16, z recomputed from the input x.
    @_transparent
    func backpropagate(_ gradient: inout SIMD16<Float>, input x: UnsafePointer<Float>, channel c: Int) {
        let z = affine(loadVector(x + c), channel: c)
        switch function {
        case .linear:
            break
        case let .clamp(lower, upper):
            // The bounds are spelled SIMD16<Float>: as `SIMD16(repeating:)` the compare resolves to the generic
            // per-lane operator, which made this pass a hundred times slower than the vector compare.
            let (low, high) = (SIMD16<Float>(repeating: lower), SIMD16<Float>(repeating: upper))
            gradient.replace(with: 0, where: (z .<= low) .| (z .>= high))
        case .silu:
            let s = Kernels.logistic(z)
            let one = SIMD16<Float>(repeating: 1)
            gradient *= s * (one + z * (one - s))
        }
    }

    /// The scalar twin of `backpropagate`: gradient · f'(z) for input x of channel c.
    @inline(__always)
    func backpropagate(_ gradient: Float, input x: Float, channel c: Int) -> Float {
        let z = shift[c].addingProduct(x, scale[c])
        switch function {
        case .linear:
            return gradient
        case let .clamp(lower, upper):
            return z > lower && z < upper ? gradient : 0
        case .silu:
            let s = Kernels.logistic(z)
            return gradient * s * (1 + z * (1 - s))
        }
    }
}
