// The inference-only fused convolution + bias + activation + max pooling against the naive convolution
// followed by the naive max pooling, on every kernel variant: pooling windows that do and do not tile the
// convolution output, overlapping windows, padding, and shapes cut into several bands of rows per image.

import EmotionTestSupport
import Testing

@testable import EmotionKernels

struct PooledCase: CustomStringConvertible, Sendable {
    var shape: Conv2DShape
    var poolSize: Int
    var poolStride: Int

    var description: String {
        let s = shape
        return "\(s.batch)x\(s.height)x\(s.width)x\(s.inChannels)→\(s.outChannels) k\(s.kernelHeight) s\(s.strideY) "
            + "pool \(poolSize)/\(poolStride)"
    }
}

private let pooledCases: [PooledCase] = [
    // Task 1 layers at a small size: 3→32 and 32→64 channels, odd convolution outputs (a column left over).
    PooledCase(shape: Conv2DShape(batch: 3, height: 13, width: 12, inChannels: 3, outChannels: 32, kernelHeight: 3,
                                  kernelWidth: 3), poolSize: 2, poolStride: 2),
    PooledCase(shape: Conv2DShape(batch: 2, height: 11, width: 11, inChannels: 32, outChannels: 64, kernelHeight: 3,
                                  kernelWidth: 3), poolSize: 2, poolStride: 2),
    // Overlapping windows, padding, a channel count off every vector width.
    PooledCase(shape: Conv2DShape(batch: 2, height: 9, width: 10, inChannels: 5, outChannels: 19, kernelHeight: 3,
                                  kernelWidth: 3, padding: .same), poolSize: 3, poolStride: 2),
    // Strided convolution, pool 1 (the identity), one image.
    PooledCase(shape: Conv2DShape(batch: 1, height: 8, width: 7, inChannels: 4, outChannels: 40, kernelHeight: 2,
                                  kernelWidth: 2, strideY: 2, strideX: 2, padding: .same), poolSize: 1, poolStride: 1),
    // Wide rows: several bands of pooled rows per image, and more items than workers.
    PooledCase(shape: Conv2DShape(batch: 2, height: 30, width: 52, inChannels: 8, outChannels: 64, kernelHeight: 3,
                                  kernelWidth: 3), poolSize: 2, poolStride: 2),
]

@Test("conv2dForwardMaxPooled = conv2dForward then maxPool2dForward (naive twins), on every variant",
      arguments: pooledCases, Kernels.Variant.allCases)
func maxPooledConvolutionMatchesReference(_ testCase: PooledCase, variant: Kernels.Variant) {
    let s = testCase.shape
    let pool = s.pooled(poolSize: testCase.poolSize, poolStride: testCase.poolStride)
    #expect(MaxPooledConvPlan(s, poolSize: testCase.poolSize, poolStride: testCase.poolStride, nr: 16).bandRows
        <= pool.outHeight)
    let input = randomFloats(s.inputCount, seed: 80)
    let kernel = randomFloats(s.kernelCount, seed: 81)
    let bias = randomFloats(s.outChannels, seed: 82)
    for activation in [Activation.linear, .relu] {
        for useBias in [true, false] {
            var convolved = [Float](repeating: .nan, count: s.outputCount)
            var expected = [Float](repeating: .nan, count: pool.outputCount)
            var argmax = [Int32](repeating: 0, count: pool.outputCount)
            Kernels.Reference.conv2dForward(s, input: input, kernel: kernel, bias: useBias ? bias : nil,
                                            activation: activation, output: &convolved)
            Kernels.Reference.maxPool2dForward(pool, input: convolved, output: &expected, argmax: &argmax)

            var workspace = [Float](repeating: .nan,
                                    count: s.maxPooledWorkspaceCount(poolSize: testCase.poolSize,
                                                                     poolStride: testCase.poolStride))
            var fused = [Float](repeating: .nan, count: pool.outputCount)
            Kernels.withVariant(variant) {
                Kernels.conv2dForwardMaxPooled(
                    s, poolSize: testCase.poolSize, poolStride: testCase.poolStride, input: input, kernel: kernel,
                    bias: useBias ? bias : nil, activation: activation, output: &fused, workspace: &workspace)
            }
            #expect(maxAbsoluteDifference(fused, expected) <= 1e-5 * Float(s.patchCount) + 1e-5,
                    "\(activation) bias \(useBias)")
        }
    }
}
