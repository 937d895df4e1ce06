// The fused convolution + bias + activation + max pooling against the naive convolution followed by the naive
// max pooling, on every kernel variant: pooling windows that do and do not tile the convolution output,
// overlapping windows, padding, and shapes cut into several bands of rows per image; and for training, its
// window codes and the backward kernels that read the pooled gradient through them.

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

@Test("Window codes name each maximum's place, and the backward kernels read the pooled gradient through them as the naive twins read it scattered, on every variant",
      arguments: pooledCases.filter { $0.poolStride == $0.poolSize }, Kernels.Variant.allCases)
func maxPooledConvolutionBackwardMatchesReference(_ testCase: PooledCase, variant: Kernels.Variant) {
    let s = testCase.shape
    let poolSize = testCase.poolSize
    let pool = s.pooled(poolSize: poolSize, poolStride: poolSize)
    let input = randomFloats(s.inputCount, seed: 90)
    let kernel = randomFloats(s.kernelCount, seed: 91)
    let bias = randomFloats(s.outChannels, seed: 92)
    let pooledGradient = randomFloats(pool.outputCount, seed: 93)
    for activation in [Activation.linear, .relu] {
        var convolved = [Float](repeating: .nan, count: s.outputCount)
        var pooled = [Float](repeating: .nan, count: pool.outputCount)
        var argmax = [Int32](repeating: 0, count: pool.outputCount)
        Kernels.Reference.conv2dForward(s, input: input, kernel: kernel, bias: bias, activation: activation,
                                        output: &convolved)
        Kernels.Reference.maxPool2dForward(pool, input: convolved, output: &pooled, argmax: &argmax)
        // The window codes and the convolution's output gradient the unfused layers would compute.
        var expectedCodes = [Int32](repeating: 0, count: pool.outputCount)
        var outputGradient = [Float](repeating: 0, count: s.outputCount)
        for i in 0..<pool.outputCount {
            let pixel = Int(argmax[i]) / s.outChannels
            let (y, x) = (pixel / s.outWidth % s.outHeight, pixel % s.outWidth)
            let window = (i / s.outChannels) % (pool.outHeight * pool.outWidth)
            let (py, px) = (window / pool.outWidth, window % pool.outWidth)
            let clipped = activation == .relu && pooled[i] <= 0
            expectedCodes[i] = clipped ? -1 : Int32((y - py * poolSize) * poolSize + (x - px * poolSize))
            if !clipped { outputGradient[Int(argmax[i])] += pooledGradient[i] }
        }
        var workspace = [Float](repeating: .nan, count: max(
            s.maxPooledWorkspaceCount(poolSize: poolSize, poolStride: poolSize), s.workspaceCount))
        var fused = [Float](repeating: .nan, count: pool.outputCount)
        var codes = [Int32](repeating: 99, count: pool.outputCount)
        var inputGradient = [Float](repeating: .nan, count: s.inputCount)
        var kernelGradient = [Float](repeating: .nan, count: s.kernelCount)
        var biasGradient = [Float](repeating: .nan, count: s.outChannels)
        Kernels.withVariant(variant) {
            Kernels.conv2dForwardMaxPooled(
                s, poolSize: poolSize, poolStride: poolSize, input: input, kernel: kernel, bias: bias,
                activation: activation, output: &fused, windows: &codes, workspace: &workspace)
            Kernels.conv2dBackwardInput(s, poolSize: poolSize, pooledGradient: pooledGradient, windows: codes,
                                        kernel: kernel, inputGradient: &inputGradient, workspace: &workspace)
            Kernels.conv2dBackwardWeight(s, poolSize: poolSize, input: input, pooledGradient: pooledGradient,
                                         windows: codes, kernelGradient: &kernelGradient, biasGradient: &biasGradient,
                                         workspace: &workspace)
        }
        #expect(codes == expectedCodes, "\(activation)")
        #expect(activation == .linear || codes.contains(-1))

        var expectedInput = [Float](repeating: .nan, count: s.inputCount)
        var expectedKernel = [Float](repeating: .nan, count: s.kernelCount)
        var expectedBias = [Float](repeating: .nan, count: s.outChannels)
        Kernels.Reference.conv2dBackwardInput(s, outputGradient: outputGradient, kernel: kernel,
                                              inputGradient: &expectedInput)
        Kernels.Reference.conv2dBackwardWeight(s, input: input, outputGradient: outputGradient,
                                               kernelGradient: &expectedKernel, biasGradient: &expectedBias)
        let pixels = s.batch * s.outHeight * s.outWidth
        let taps = s.kernelHeight * s.kernelWidth * s.outChannels
        #expect(maxAbsoluteDifference(inputGradient, expectedInput) <= 1e-5 * Float(taps) + 1e-5, "\(activation)")
        #expect(maxAbsoluteDifference(kernelGradient, expectedKernel) <= 1e-5 * Float(pixels) + 1e-5, "\(activation)")
        #expect(maxAbsoluteDifference(biasGradient, expectedBias) <= 1e-5 * Float(pixels) + 1e-5, "\(activation)")
    }
}
