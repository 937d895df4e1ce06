// Max pooling forward (saving argmax) and backward (scatter through argmax).
//
// Legend: N batch, H/W input height/width, C channels, PH/PW pool size, OH/OW output size.
// NHWC; valid padding.

extension Kernels {
    /// argmax[i] = flat index into `input` of the max feeding output i (first max in row-major window
    /// order wins on ties). Channels run in SIMD lanes; work is split over output rows of the whole batch.
    public static func maxPool2dForward(
        _ s: Pool2DShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        argmax: UnsafeMutablePointer<Int32>
    ) {
        let (outH, outW, channels) = (s.outHeight, s.outWidth, s.channels)
        let lanes = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        let minimumRows = max(1, parallelElementThreshold / max(outW * channels, 1))
        parallelRanges(count: s.batch * outH, minimumPerChunk: minimumRows) { rows in
            for outputRow in rows {
                let (n, oy) = outputRow.quotientAndRemainder(dividingBy: outH)
                for ox in 0..<outW {
                    let outputBase = ((n * outH + oy) * outW + ox) * channels
                    let firstTap = ((n * s.height + oy * s.strideY) * s.width + ox * s.strideX) * channels
                    var c = 0
                    while c + 16 <= channels {
                        var best: SIMD16<Float> = loadVector(input + firstTap + c)
                        var bestIndex = SIMD16<Int32>(repeating: Int32(firstTap + c)) &+ lanes
                        for py in 0..<s.poolHeight {
                            for px in 0..<s.poolWidth where py > 0 || px > 0 {
                                let tap = firstTap + (py * s.width + px) * channels + c
                                let v: SIMD16<Float> = loadVector(input + tap)
                                let better = v .> best
                                best.replace(with: v, where: better)
                                bestIndex.replace(with: SIMD16<Int32>(repeating: Int32(tap)) &+ lanes, where: better)
                            }
                        }
                        storeVector(best, output + outputBase + c)
                        UnsafeMutableRawPointer(argmax + outputBase + c)
                            .storeBytes(of: bestIndex, as: SIMD16<Int32>.self)
                        c += 16
                    }
                    while c < channels {
                        var best = input[firstTap + c]
                        var bestIndex = firstTap + c
                        for py in 0..<s.poolHeight {
                            for px in 0..<s.poolWidth {
                                let tap = firstTap + (py * s.width + px) * channels + c
                                if input[tap] > best {
                                    best = input[tap]
                                    bestIndex = tap
                                }
                            }
                        }
                        output[outputBase + c] = best
                        argmax[outputBase + c] = Int32(bestIndex)
                        c += 1
                    }
                }
            }
        }
    }

    /// inputGradient is zeroed, then the output gradient is scattered (added) through argmax. Each image's
    /// argmax points into that image, so images are independent and run in parallel.
    public static func maxPool2dBackward(
        _ s: Pool2DShape, outputGradient: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        let imageInput = s.height * s.width * s.channels
        let imageOutput = s.outHeight * s.outWidth * s.channels
        parallelRanges(count: s.batch, minimumPerChunk: max(1, parallelElementThreshold / max(imageInput, 1))) { images in
            let start = images.lowerBound
            (inputGradient + start * imageInput).update(repeating: 0, count: images.count * imageInput)
            for i in (start * imageOutput)..<(images.upperBound * imageOutput) {
                inputGradient[Int(argmax[i])] += outputGradient[i]
            }
        }
    }
}
