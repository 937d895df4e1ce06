// Naive twin of `Kernels.maxPool2dForward`, used only by tests to check the fast kernel.
//
// Legend: N batch, H/W input height/width, C channels, OH/OW output size. NHWC.

extension Kernels.Reference {
    /// argmax[i] = flat index into `input` of the max feeding output i (first max in row-major window
    /// order wins on ties).
    public static func maxPool2dForward(
        _ s: Pool2DShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        argmax: UnsafeMutablePointer<Int32>
    ) {
        let (outH, outW, channels) = (s.outHeight, s.outWidth, s.channels)
        for n in 0..<s.batch {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    for c in 0..<channels {
                        var best = -Float.infinity
                        var bestIndex = -1
                        for py in 0..<s.poolHeight {
                            for px in 0..<s.poolWidth {
                                let y = oy * s.strideY + py, x = ox * s.strideX + px
                                let index = ((n * s.height + y) * s.width + x) * channels + c
                                if bestIndex < 0 || input[index] > best {
                                    best = input[index]
                                    bestIndex = index
                                }
                            }
                        }
                        let outputIndex = ((n * outH + oy) * outW + ox) * channels + c
                        output[outputIndex] = best
                        argmax[outputIndex] = Int32(bestIndex)
                    }
                }
            }
        }
    }
}
