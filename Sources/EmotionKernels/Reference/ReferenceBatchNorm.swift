// Naive twins of the batch-norm kernels (statistics, the two backward passes with the optional clamp
// mask), one value at a time in Double, used only by tests to check the fast kernels.
//
// Legend: rows = N·H·W pixels, channels = C; x, y, dy, dx are rows × channels row-major (NHWC flattened).

extension Kernels.Reference {
    /// mean[c] and the biased variance[c] over the rows.
    public static func batchNormStatistics(
        _ x: UnsafePointer<Float>, rows: Int, channels: Int,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
    ) {
        for c in 0..<channels {
            var sum: Double = 0
            for row in 0..<rows { sum += Double(x[row * channels + c]) }
            let average = sum / Double(max(rows, 1))
            var squares: Double = 0
            for row in 0..<rows {
                let d = Double(x[row * channels + c]) - average
                squares += d * d
            }
            mean[c] = Float(average)
            variance[c] = Float(squares / Double(max(rows, 1)))
        }
    }

    /// gradientSum[c] = Σ dz, gradientDotNormalized[c] = Σ dz · (x − mean[c]) · rstd[c], with dz = dy, or
    /// with `clamp`, dy where lower < x · scale[c] + shift[c] < upper and 0 elsewhere.
    public static func batchNormBackwardReduce(
        _ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, clamp: ChannelAffineClamp?,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, channels: Int,
        gradientSum: UnsafeMutablePointer<Float>, gradientDotNormalized: UnsafeMutablePointer<Float>
    ) {
        for c in 0..<channels {
            var sum: Double = 0, dot: Double = 0
            for row in 0..<rows {
                let index = row * channels + c
                let dz = maskedGradient(dy, x, clamp, index, channel: c)
                sum += Double(dz)
                dot += Double(dz) * Double(x[index] - mean[c])
            }
            gradientSum[c] = Float(sum)
            gradientDotNormalized[c] = Float(dot) * rstd[c]
        }
    }

    /// dx = dz · gradientScale[c] + x · inputScale[c] + shift[c], dz as in `batchNormBackwardReduce`.
    public static func batchNormBackwardInput(
        outputGradient dy: UnsafePointer<Float>, clamp: ChannelAffineClamp?, input x: UnsafePointer<Float>, gradientScale: UnsafePointer<Float>, inputScale: UnsafePointer<Float>,
        shift: UnsafePointer<Float>, rows: Int, channels: Int, inputGradient dx: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            for c in 0..<channels {
                let index = row * channels + c
                dx[index] = maskedGradient(dy, x, clamp, index, channel: c) * gradientScale[c]
                    + x[index] * inputScale[c] + shift[c]
            }
        }
    }

    private static func maskedGradient(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ clamp: ChannelAffineClamp?, _ index: Int, channel c: Int
    ) -> Float {
        guard let clamp else { return dy[index] }
        let z = clamp.shift[c].addingProduct(x[index], clamp.scale[c])  // fused, as the SIMD lanes compute it
        return z > clamp.lower && z < clamp.upper ? dy[index] : 0
    }
}
