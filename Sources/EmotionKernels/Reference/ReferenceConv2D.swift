// Naive twins of the convolution kernels, used only by tests to check the fast kernels.
//
// Legend: N batch, H/W input height/width, C input channels, O output channels, KH/KW kernel size,
// OH/OW output size. Input NHWC, kernel HWIO [KH, KW, C, O], output NHWC. Sums accumulate in Double.

extension Kernels.Reference {
    public static func conv2dForward(
        _ s: Conv2DShape, input: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, activation: Activation, output: UnsafeMutablePointer<Float>
    ) {
        let (outH, outW) = (s.outHeight, s.outWidth)
        for n in 0..<s.batch {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    for o in 0..<s.outChannels {
                        var total = Double(bias?[o] ?? 0)
                        forEachTap(s, n: n, oy: oy, ox: ox) { inputIndex, kernelIndex in
                            total += Double(input[inputIndex]) * Double(kernel[kernelIndex + o])
                        }
                        let value = Float(total)
                        let outputIndex = ((n * outH + oy) * outW + ox) * s.outChannels + o
                        output[outputIndex] = Kernels.activate(value, activation)
                    }
                }
            }
        }
    }

    public static func conv2dBackwardInput(
        _ s: Conv2DShape, outputGradient: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        var sums = [Double](repeating: 0, count: s.inputCount)
        let (outH, outW) = (s.outHeight, s.outWidth)
        for n in 0..<s.batch {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let outputBase = ((n * outH + oy) * outW + ox) * s.outChannels
                    forEachTap(s, n: n, oy: oy, ox: ox) { inputIndex, kernelIndex in
                        for o in 0..<s.outChannels {
                            sums[inputIndex] += Double(outputGradient[outputBase + o]) * Double(kernel[kernelIndex + o])
                        }
                    }
                }
            }
        }
        for i in 0..<s.inputCount { inputGradient[i] = Float(sums[i]) }
    }

    /// biasGradient (if non-nil) = sum of outputGradient over N, OH, OW.
    public static func conv2dBackwardWeight(
        _ s: Conv2DShape, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        kernelGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>?
    ) {
        var sums = [Double](repeating: 0, count: s.kernelCount)
        var biasSums = [Double](repeating: 0, count: s.outChannels)
        let (outH, outW) = (s.outHeight, s.outWidth)
        for n in 0..<s.batch {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let outputBase = ((n * outH + oy) * outW + ox) * s.outChannels
                    for o in 0..<s.outChannels { biasSums[o] += Double(outputGradient[outputBase + o]) }
                    forEachTap(s, n: n, oy: oy, ox: ox) { inputIndex, kernelIndex in
                        for o in 0..<s.outChannels {
                            sums[kernelIndex + o] += Double(input[inputIndex]) * Double(outputGradient[outputBase + o])
                        }
                    }
                }
            }
        }
        for i in 0..<s.kernelCount { kernelGradient[i] = Float(sums[i]) }
        if let biasGradient {
            for o in 0..<s.outChannels { biasGradient[o] = Float(biasSums[o]) }
        }
    }

    /// Calls `body(inputIndex, kernelIndex)` for every in-bounds tap of output pixel (n, oy, ox) and every
    /// input channel; `kernelIndex` points at output channel 0 of that tap in the HWIO kernel.
    private static func forEachTap(
        _ s: Conv2DShape, n: Int, oy: Int, ox: Int, _ body: (_ inputIndex: Int, _ kernelIndex: Int) -> Void
    ) {
        for ky in 0..<s.kernelHeight {
            let y = oy * s.strideY + ky - s.padTop
            guard y >= 0, y < s.height else { continue }
            for kx in 0..<s.kernelWidth {
                let x = ox * s.strideX + kx - s.padLeft
                guard x >= 0, x < s.width else { continue }
                for c in 0..<s.inChannels {
                    body(((n * s.height + y) * s.width + x) * s.inChannels + c,
                         ((ky * s.kernelWidth + kx) * s.inChannels + c) * s.outChannels)
                }
            }
        }
    }
}
