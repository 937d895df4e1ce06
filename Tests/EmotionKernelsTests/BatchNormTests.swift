// Batch-norm kernels vs their naive twins (in Double): statistics over several 256-row blocks and workers,
// the one-pass backward reduction and the input gradient, with and without the fused ReLU6 mask.

import EmotionTestSupport
import Testing

@testable import EmotionKernels

/// (rows, channels): one partial block, several blocks over 1 or 2 workers, channel counts off the SIMD width.
private let batchNormShapes: [(rows: Int, channels: Int)] = [(5, 3), (300, 16), (2_000, 40), (700, 96), (4_100, 33)]

@Test("batch-norm statistics match the reference", arguments: batchNormShapes, [1, 2])
func batchNormStatisticsMatchReference(_ shape: (rows: Int, channels: Int), threads: Int) {
    Kernels.withThreadCount(threads) {
        // An offset mean, so the two-pass variance matters.
        let x = randomFloats(shape.rows * shape.channels, seed: 30).map { $0 * 2 + 3 }
        var mean = [Float](repeating: .nan, count: shape.channels), variance = mean
        var expectedMean = mean, expectedVariance = mean
        Kernels.batchNormStatistics(x, rows: shape.rows, channels: shape.channels, mean: &mean, variance: &variance)
        Kernels.Reference.batchNormStatistics(x, rows: shape.rows, channels: shape.channels, mean: &expectedMean,
                                              variance: &expectedVariance)
        #expect(maxAbsoluteDifference(mean, expectedMean) <= 1e-5)
        #expect(maxAbsoluteDifference(variance, expectedVariance) <= 1e-5)
    }
}

@Test("batch-norm backward passes match the reference, plain and through a fused ReLU6 or SiLU",
      arguments: batchNormShapes, [nil, .clamp(lower: 0, upper: 6), .silu] as [ChannelAffineActivation.Function?])
func batchNormBackwardMatchesReference(_ shape: (rows: Int, channels: Int), function: ChannelAffineActivation.Function?) {
    let (rows, channels) = shape
    let x = randomFloats(rows * channels, seed: 31)
    let dy = randomFloats(rows * channels, seed: 32)
    // The activation's per-channel map sends x ∈ [-1, 1) to about [-5, 7): some values clipped on each side.
    let (mapScale, mapShift) = (randomFloats(channels, seed: 33).map { $0 + 5 }, [Float](repeating: 1, count: channels))
    let mean = randomFloats(channels, seed: 34)
    let rstd = randomFloats(channels, seed: 35).map { $0 + 2 }
    let (scale, inputScale, shift) = (randomFloats(channels, seed: 36), randomFloats(channels, seed: 37),
                                      randomFloats(channels, seed: 38))
    var sum = [Float](repeating: .nan, count: channels), dot = sum, expectedSum = sum, expectedDot = sum
    var dx = [Float](repeating: .nan, count: rows * channels), expectedDx = dx
    mapScale.withUnsafeBufferPointer { scaleBuffer in
      mapShift.withUnsafeBufferPointer { shiftBuffer in
        let activation = function.map {
            ChannelAffineActivation(scale: scaleBuffer.baseAddress!, shift: shiftBuffer.baseAddress!, function: $0)
        }
        Kernels.batchNormBackwardReduce(x, outputGradient: dy, activation: activation, mean: mean,
                                        rstd: rstd, rows: rows, channels: channels, gradientSum: &sum,
                                        gradientDotNormalized: &dot)
        Kernels.Reference.batchNormBackwardReduce(x, outputGradient: dy, activation: activation,
                                                  mean: mean, rstd: rstd, rows: rows, channels: channels,
                                                  gradientSum: &expectedSum, gradientDotNormalized: &expectedDot)
        Kernels.batchNormBackwardInput(outputGradient: dy, activation: activation, input: x,
                                       gradientScale: scale, inputScale: inputScale, shift: shift, rows: rows,
                                       channels: channels, inputGradient: &dx)
        Kernels.Reference.batchNormBackwardInput(outputGradient: dy, activation: activation, input: x,
                                                 gradientScale: scale, inputScale: inputScale, shift: shift,
                                                 rows: rows, channels: channels, inputGradient: &expectedDx)
      }
    }
    // Sums of up to 4,100 terms in [-1, 1]: Float blocks of 256 rows keep the error near 1e-5 · √rows.
    #expect(maxAbsoluteDifference(sum, expectedSum) <= 2e-4)
    #expect(maxAbsoluteDifference(dot, expectedDot) <= 6e-4)
    #expect(maxAbsoluteDifference(dx, expectedDx) <= 1e-5)
    if function != nil {
        // The activation's gradient really acts: the sums differ from the plain ones.
        #expect(abs(expectedSum.reduce(0, +) - dy.reduce(0, +)) > 1e-3)
    }
}
