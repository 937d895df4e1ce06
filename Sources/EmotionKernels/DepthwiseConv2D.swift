// Depthwise 2-D convolution (one kxk filter per channel, multiplier 1): forward, input gradient and
// kernel gradient as direct loops, SIMD over channels (NHWC keeps a pixel's channels contiguous). A GEMM
// would degenerate to M = 1 per channel here, so there is no im2col.
//
// Legend: N batch, H/W input height/width, C channels, KH/KW kernel size, OH/OW output size.
// Input NHWC [N, H, W, C], kernel [KH, KW, C] (Keras' depthwise layout [KH, KW, C, 1]), output NHWC
// [N, OH, OW, C]. Geometry comes from `Conv2DShape` with inChannels == outChannels == C (TF SAME padding,
// including the asymmetric stride-2 case, is in its pad fields).

extension Kernels {
    /// out[n, oy, ox, c] = Σ_{ky, kx} in[n, oy·sy + ky − padTop, ox·sx + kx − padLeft, c] · w[ky, kx, c]
    /// (zero outside the image), then `epilogue` when given (a folded batch norm and its activation, applied
    /// while the sum is in a register, with the arithmetic of `batchNormApply`). Parallel over output rows.
    public static func depthwiseConv2dForward(
        _ s: Conv2DShape, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        epilogue: ChannelAffineActivation? = nil, output: UnsafeMutablePointer<Float>
    ) {
        let (outH, outW, channels) = (s.outHeight, s.outWidth, s.inChannels)
        let rows = s.batch * outH
        let minimumRows = max(1, parallelElementThreshold / max(1, outW * channels * s.kernelHeight * s.kernelWidth))
        parallelRanges(count: rows, minimumPerChunk: minimumRows) { rowRange in
            for row in rowRange {
                let n = row / outH, oy = row % outH
                let image = input + n * s.height * s.width * channels
                for ox in 0..<outW {
                    let target = output + (row * outW + ox) * channels
                    // Valid taps of this output pixel (the window clipped to the image).
                    let y0 = oy * s.strideY - s.padTop, x0 = ox * s.strideX - s.padLeft
                    let kyStart = max(0, -y0), kxStart = max(0, -x0)
                    let kyRange = kyStart..<max(kyStart, min(s.kernelHeight, s.height - y0))
                    let kxRange = kxStart..<max(kxStart, min(s.kernelWidth, s.width - x0))
                    var c = 0
                    // 16 channels at a time, summed in a register over all taps.
                    while c + 16 <= channels {
                        var sum = SIMD16<Float>()
                        for ky in kyRange {
                            let inputRow = image + ((y0 + ky) * s.width + x0) * channels + c
                            let kernelRow = kernel + ky * s.kernelWidth * channels + c
                            for kx in kxRange {
                                sum.addProduct(loadVector(inputRow + kx * channels), loadVector(kernelRow + kx * channels))
                            }
                        }
                        if let epilogue { sum = epilogue.apply(sum, channel: c) }
                        storeVector(sum, target + c)
                        c += 16
                    }
                    while c < channels {
                        var sum: Float = 0
                        for ky in kyRange {
                            for kx in kxRange {
                                sum += image[((y0 + ky) * s.width + x0 + kx) * channels + c]
                                    * kernel[(ky * s.kernelWidth + kx) * channels + c]
                            }
                        }
                        target[c] = epilogue.map { $0.apply(sum, channel: c) } ?? sum
                        c += 1
                    }
                }
            }
        }
    }

    /// dIn = the transpose of the forward pass applied to dOut (overwrites inputGradient). With stride 1
    /// this is itself a depthwise convolution of dOut with the kernel flipped in both axes (and the
    /// padding mirrored), so it runs as `depthwiseConv2dForward`, summing in registers. Strided shapes
    /// scatter instead, parallel over (image, channel block) pairs so workers never share a pixel's channel.
    public static func depthwiseConv2dBackwardInput(
        _ s: Conv2DShape, outputGradient: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        let channels = s.inChannels
        if s.strideY == 1 && s.strideX == 1 {
            let taps = s.kernelHeight * s.kernelWidth
            let flipped = UnsafeMutablePointer<Float>.allocate(capacity: taps * channels)
            defer { flipped.deallocate() }
            for tap in 0..<taps {
                (flipped + (taps - 1 - tap) * channels).update(from: kernel + tap * channels, count: channels)
            }
            var transposed = s
            (transposed.height, transposed.width) = (s.outHeight, s.outWidth)
            transposed.padTop = s.kernelHeight - 1 - s.padTop
            transposed.padLeft = s.kernelWidth - 1 - s.padLeft
            transposed.padBottom = s.height - s.outHeight + s.padTop
            transposed.padRight = s.width - s.outWidth + s.padLeft
            depthwiseConv2dForward(transposed, input: outputGradient, kernel: flipped, output: inputGradient)
            return
        }
        let blocks = (channels + channelBlockWidth - 1) / channelBlockWidth
        parallelFor(chunks: s.batch * blocks) { item in
            let n = item / blocks, c0 = (item % blocks) * channelBlockWidth
            let width = min(channelBlockWidth, channels - c0)
            let image = inputGradient + n * s.height * s.width * channels + c0
            for pixel in 0..<(s.height * s.width) {
                (image + pixel * channels).update(repeating: 0, count: width)
            }
            forEachTap(s, image: n) { outputOffset, inputPixel, tap in
                channelMultiplyAdd(outputGradient + outputOffset + c0, kernel + tap * channels + c0,
                                   into: image + inputPixel * channels, count: width)
            }
        }
    }

    /// dW[ky, kx, c] = Σ_{n, oy, ox} dOut[n, oy, ox, c] · in[n, iy, ix, c] (overwrites kernelGradient).
    /// For each output row, tap and 16 channels, the sum over the row's pixels runs in a register. Parallel
    /// over runs of images, each worker summing into its own buffer; the buffers are added in worker order.
    public static func depthwiseConv2dBackwardKernel(
        _ s: Conv2DShape, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        kernelGradient: UnsafeMutablePointer<Float>
    ) {
        let (outH, outW, channels) = (s.outHeight, s.outWidth, s.inChannels)
        let kernelCount = s.kernelHeight * s.kernelWidth * channels
        let workers = max(1, min(threadCount, s.batch))
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: workers * kernelCount)
        defer { partials.deallocate() }
        // The output columns whose tap kx reads inside the image: 0 ≤ ox·sx + kx − padLeft < W.
        let columnRanges = (0..<s.kernelWidth).map { kx -> Range<Int> in
            let first = max(0, (s.padLeft - kx + s.strideX - 1) / s.strideX)
            let last = min(outW, (s.width - 1 + s.padLeft - kx) / s.strideX + 1)
            return first..<max(first, last)
        }
        columnRanges.withUnsafeBufferPointer { columns in
            parallelFor(chunks: workers) { worker in
                let target = partials + worker * kernelCount
                target.initialize(repeating: 0, count: kernelCount)
                for n in (s.batch * worker / workers)..<(s.batch * (worker + 1) / workers) {
                    let image = input + n * s.height * s.width * channels
                    for oy in 0..<outH {
                        let dyRow = outputGradient + (n * outH + oy) * outW * channels
                        for ky in 0..<s.kernelHeight {
                            let iy = oy * s.strideY + ky - s.padTop
                            guard iy >= 0 && iy < s.height else { continue }
                            let inputRow = image + iy * s.width * channels
                            for kx in 0..<s.kernelWidth {
                                let tapGradient = target + (ky * s.kernelWidth + kx) * channels
                                let range = columns[kx]
                                var c = 0
                                while c + 16 <= channels {
                                    var sum = SIMD16<Float>()
                                    for ox in range {
                                        let ix = ox * s.strideX + kx - s.padLeft
                                        sum.addProduct(loadVector(dyRow + ox * channels + c),
                                                       loadVector(inputRow + ix * channels + c))
                                    }
                                    storeVector(loadVector(tapGradient + c) as SIMD16<Float> + sum, tapGradient + c)
                                    c += 16
                                }
                                while c < channels {
                                    var sum: Float = 0
                                    for ox in range {
                                        sum += dyRow[ox * channels + c] * inputRow[(ox * s.strideX + kx - s.padLeft) * channels + c]
                                    }
                                    tapGradient[c] += sum
                                    c += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        kernelGradient.update(from: partials, count: kernelCount)
        for worker in 1..<workers {
            let partial = partials + worker * kernelCount
            for index in 0..<kernelCount { kernelGradient[index] += partial[index] }
        }
    }

    /// Channels per work item in the backward passes: whole SIMD16 vectors, and one item's slice of a
    /// kernel stays in L1.
    private static let channelBlockWidth = 64

    /// Calls `body(outputOffset, inputPixel, tap)` for every (output pixel, kernel tap) of image `n` whose
    /// input pixel lies inside the image: `outputOffset` is the output pixel's float offset (channel 0),
    /// `inputPixel` the input pixel's index within the image (iy·W + ix), `tap` = ky·KW + kx.
    @inline(__always)
    private static func forEachTap(_ s: Conv2DShape, image n: Int, _ body: (Int, Int, Int) -> Void) {
        let (outH, outW, channels) = (s.outHeight, s.outWidth, s.inChannels)
        for oy in 0..<outH {
            let y0 = oy * s.strideY - s.padTop
            let kyStart = max(0, -y0), kyEnd = min(s.kernelHeight, s.height - y0)
            for ox in 0..<outW {
                let x0 = ox * s.strideX - s.padLeft
                let kxStart = max(0, -x0), kxEnd = min(s.kernelWidth, s.width - x0)
                let outputOffset = ((n * outH + oy) * outW + ox) * channels
                var ky = kyStart
                while ky < kyEnd {
                    var kx = kxStart
                    while kx < kxEnd {
                        body(outputOffset, (y0 + ky) * s.width + x0 + kx, ky * s.kernelWidth + kx)
                        kx += 1
                    }
                    ky += 1
                }
            }
        }
    }

    /// target[c] += a[c] · b[c] for c in 0..<count.
    @inline(__always)
    static func channelMultiplyAdd(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int
    ) {
        var c = 0
        while c + 16 <= count {
            var sum: SIMD16<Float> = loadVector(target + c)
            sum.addProduct(loadVector(a + c), loadVector(b + c))
            storeVector(sum, target + c)
            c += 16
        }
        while c < count {
            target[c] += a[c] * b[c]
            c += 1
        }
    }
}
