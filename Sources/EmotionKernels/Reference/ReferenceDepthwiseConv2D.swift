// Naive twin of `Kernels.depthwiseConv2dForward`, used only by tests to check the fast kernel.
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
