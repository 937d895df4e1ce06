// Naive twins of the depthwise convolution kernels (forward, input and kernel gradients), used only by
// tests to check the fast kernels.
//
// Legend: N batch, H/W input height/width, C channels, KH/KW kernel size, OH/OW output size.
// Input NHWC, kernel [KH, KW, C], output NHWC.

extension Kernels.Reference {
    public static func depthwiseConv2dForward(
        _ s: Conv2DShape, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let channels = s.inChannels
        for n in 0..<s.batch {
            for oy in 0..<s.outHeight {
                for ox in 0..<s.outWidth {
                    for c in 0..<channels {
                        var sum: Float = 0
                        for ky in 0..<s.kernelHeight {
                            for kx in 0..<s.kernelWidth {
                                let iy = oy * s.strideY + ky - s.padTop, ix = ox * s.strideX + kx - s.padLeft
                                guard iy >= 0 && iy < s.height && ix >= 0 && ix < s.width else { continue }
                                sum += input[((n * s.height + iy) * s.width + ix) * channels + c]
                                    * kernel[(ky * s.kernelWidth + kx) * channels + c]
                            }
                        }
                        output[((n * s.outHeight + oy) * s.outWidth + ox) * channels + c] = sum
                    }
                }
            }
        }
    }
}

extension Kernels.Reference {
    /// dIn[n, iy, ix, c] = Σ over (oy, ox, ky, kx) that read (iy, ix) of dOut[n, oy, ox, c] · w[ky, kx, c].
    public static func depthwiseConv2dBackwardInput(
        _ s: Conv2DShape, outputGradient: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        let channels = s.inChannels
        inputGradient.update(repeating: 0, count: s.inputCount)
        forEachValidTap(s) { n, oy, ox, iy, ix, ky, kx, c in
            inputGradient[((n * s.height + iy) * s.width + ix) * channels + c] +=
                outputGradient[((n * s.outHeight + oy) * s.outWidth + ox) * channels + c]
                * kernel[(ky * s.kernelWidth + kx) * channels + c]
        }
    }

    /// dW[ky, kx, c] = Σ_{n, oy, ox} dOut[n, oy, ox, c] · in[n, iy, ix, c].
    public static func depthwiseConv2dBackwardKernel(
        _ s: Conv2DShape, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        kernelGradient: UnsafeMutablePointer<Float>
    ) {
        let channels = s.inChannels
        kernelGradient.update(repeating: 0, count: s.kernelHeight * s.kernelWidth * channels)
        forEachValidTap(s) { n, oy, ox, iy, ix, ky, kx, c in
            kernelGradient[(ky * s.kernelWidth + kx) * channels + c] +=
                outputGradient[((n * s.outHeight + oy) * s.outWidth + ox) * channels + c]
                * input[((n * s.height + iy) * s.width + ix) * channels + c]
        }
    }

    /// body(n, oy, ox, iy, ix, ky, kx, c) for every tap whose input pixel lies inside the image.
    private static func forEachValidTap(_ s: Conv2DShape, _ body: (Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for n in 0..<s.batch {
            for oy in 0..<s.outHeight {
                for ox in 0..<s.outWidth {
                    for ky in 0..<s.kernelHeight {
                        for kx in 0..<s.kernelWidth {
                            let iy = oy * s.strideY + ky - s.padTop, ix = ox * s.strideX + kx - s.padLeft
                            guard iy >= 0 && iy < s.height && ix >= 0 && ix < s.width else { continue }
                            for c in 0..<s.inChannels { body(n, oy, ox, iy, ix, ky, kx, c) }
                        }
                    }
                }
            }
        }
    }
}
