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
    /// (zero outside the image). Parallel over output rows.
    public static func depthwiseConv2dForward(
        _ s: Conv2DShape, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
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
                        target[c] = sum
                        c += 1
                    }
                }
            }
        }
    }

    /// dIn = the transpose of the forward pass applied to dOut (overwrites inputGradient). Parallel over
    /// channel blocks, so workers never write the same input pixel's channel.
    public static func depthwiseConv2dBackwardInput(
        _ s: Conv2DShape, outputGradient: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        let (outH, outW, channels) = (s.outHeight, s.outWidth, s.inChannels)
        forEachChannelBlock(s) { c0, width in
            for n in 0..<s.batch {
                let image = inputGradient + n * s.height * s.width * channels + c0
                for pixel in 0..<(s.height * s.width) {
                    (image + pixel * channels).update(repeating: 0, count: width)
                }
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        let dy = outputGradient + ((n * outH + oy) * outW + ox) * channels + c0
                        for ky in 0..<s.kernelHeight {
                            let iy = oy * s.strideY + ky - s.padTop
                            guard iy >= 0 && iy < s.height else { continue }
                            for kx in 0..<s.kernelWidth {
                                let ix = ox * s.strideX + kx - s.padLeft
                                guard ix >= 0 && ix < s.width else { continue }
                                channelMultiplyAdd(dy, kernel + (ky * s.kernelWidth + kx) * channels + c0,
                                            into: image + (iy * s.width + ix) * channels, count: width)
                            }
                        }
                    }
                }
            }
        }
    }

    /// dW[ky, kx, c] = Σ_{n, oy, ox} dOut[n, oy, ox, c] · in[n, iy, ix, c] (overwrites kernelGradient).
    /// Parallel over channel blocks.
    public static func depthwiseConv2dBackwardKernel(
        _ s: Conv2DShape, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        kernelGradient: UnsafeMutablePointer<Float>
    ) {
        let (outH, outW, channels) = (s.outHeight, s.outWidth, s.inChannels)
        forEachChannelBlock(s) { c0, width in
            for tap in 0..<(s.kernelHeight * s.kernelWidth) {
                (kernelGradient + tap * channels + c0).update(repeating: 0, count: width)
            }
            for n in 0..<s.batch {
                let image = input + n * s.height * s.width * channels + c0
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        let dy = outputGradient + ((n * outH + oy) * outW + ox) * channels + c0
                        for ky in 0..<s.kernelHeight {
                            let iy = oy * s.strideY + ky - s.padTop
                            guard iy >= 0 && iy < s.height else { continue }
                            for kx in 0..<s.kernelWidth {
                                let ix = ox * s.strideX + kx - s.padLeft
                                guard ix >= 0 && ix < s.width else { continue }
                                channelMultiplyAdd(dy, image + (iy * s.width + ix) * channels,
                                            into: kernelGradient + (ky * s.kernelWidth + kx) * channels + c0,
                                            count: width)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Splits the channels into blocks of 64 (whole SIMD16 vectors) and runs `body(firstChannel, width)`
    /// for each, in parallel.
    private static func forEachChannelBlock(_ s: Conv2DShape, _ body: (Int, Int) -> Void) {
        let blockWidth = 64
        let blocks = (s.inChannels + blockWidth - 1) / blockWidth
        parallelFor(chunks: blocks) { block in
            let c0 = block * blockWidth
            body(c0, min(blockWidth, s.inChannels - c0))
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
