// Naive twins of the batch-norm kernels (statistics, the two backward passes with the optional fused
// activation's gradient), one value at a time in Double, used only by tests to check the fast kernels.

import Foundation
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
    /// with `activation`, dy · f'(x · scale[c] + shift[c]).
    public static func batchNormBackwardReduce(
        _ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, activation: ChannelAffineActivation?,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, channels: Int,
        gradientSum: UnsafeMutablePointer<Float>, gradientDotNormalized: UnsafeMutablePointer<Float>
    ) {
        for c in 0..<channels {
            var sum: Double = 0, dot: Double = 0
            for row in 0..<rows {
                let index = row * channels + c
                let dz = activationGradient(dy, x, activation, index, channel: c)
                sum += Double(dz)
                dot += Double(dz) * Double(x[index] - mean[c])
            }
            gradientSum[c] = Float(sum)
            gradientDotNormalized[c] = Float(dot) * rstd[c]
        }
    }

    /// dx = dz · gradientScale[c] + x · inputScale[c] + shift[c], dz as in `batchNormBackwardReduce`.
    public static func batchNormBackwardInput(
        outputGradient dy: UnsafePointer<Float>, activation: ChannelAffineActivation?, input x: UnsafePointer<Float>,
        gradientScale: UnsafePointer<Float>, inputScale: UnsafePointer<Float>,
        shift: UnsafePointer<Float>, rows: Int, channels: Int, inputGradient dx: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            for c in 0..<channels {
                let index = row * channels + c
                dx[index] = Float(activationGradient(dy, x, activation, index, channel: c)) * gradientScale[c]
                    + x[index] * inputScale[c] + shift[c]
            }
        }
    }

    /// dy · f'(z) at one element, in Double from z on.
    private static func activationGradient(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ activation: ChannelAffineActivation?, _ index: Int,
        channel c: Int
    ) -> Double {
        guard let activation else { return Double(dy[index]) }
        // z fused, as the SIMD lanes compute it.
        let z = Double(activation.shift[c].addingProduct(x[index], activation.scale[c]))
        switch activation.function {
        case .linear:
            return Double(dy[index])
        case let .clamp(lower, upper):
            return z > Double(lower) && z < Double(upper) ? Double(dy[index]) : 0
        case .silu:
            let s = 1 / (1 + exp(-z))
            return Double(dy[index]) * s * (1 + z * (1 - s))
        }
    }
}
