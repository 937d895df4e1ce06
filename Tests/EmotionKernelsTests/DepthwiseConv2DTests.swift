// Depthwise convolution kernels vs their naive twins: forward, input gradient and kernel gradient, with
// valid and TF-same (asymmetric stride-2) padding, channel counts below, at and above the SIMD width and
// the 64-channel work blocks, batches that split across workers, and 1 or 2 threads.

import EmotionTestSupport
import Foundation
import Testing

@testable import EmotionKernels

private let depthwiseShapes: [Conv2DShape] = [
    Conv2DShape(batch: 2, height: 7, width: 9, inChannels: 3, outChannels: 3, kernelHeight: 3, kernelWidth: 3),
    Conv2DShape(batch: 3, height: 8, width: 8, inChannels: 24, outChannels: 24, kernelHeight: 3, kernelWidth: 3,
                strideY: 2, strideX: 2, padding: .same),
    Conv2DShape(batch: 2, height: 9, width: 10, inChannels: 80, outChannels: 80, kernelHeight: 5, kernelWidth: 5,
                strideY: 2, strideX: 2, padding: .same),
    Conv2DShape(batch: 5, height: 6, width: 6, inChannels: 144, outChannels: 144, kernelHeight: 5, kernelWidth: 5,
                padding: .same),
    Conv2DShape(batch: 1, height: 4, width: 5, inChannels: 16, outChannels: 16, kernelHeight: 3, kernelWidth: 3,
                padding: .same),
]

/// Tolerance for sums of `terms` products of values in [-1, 1] in Float.
private func tolerance(terms: Int) -> Float { 2e-6 * Float(terms) + 1e-5 }

/// How many (output pixel, tap) products feed one kernel-gradient value at most.
private func kernelGradientTerms(_ s: Conv2DShape) -> Int { s.batch * s.outHeight * s.outWidth }

@Test("depthwise forward and both gradients match the reference", arguments: depthwiseShapes, [1, 2])
func depthwiseKernelsMatchReference(_ s: Conv2DShape, threads: Int) {
    Kernels.withThreadCount(threads) {
        let channels = s.inChannels
        let input = randomFloats(s.inputCount, seed: 20)
        let kernel = randomFloats(s.kernelHeight * s.kernelWidth * channels, seed: 21)
        let outputGradient = randomFloats(s.outputCount, seed: 22)

        var fast = [Float](repeating: .nan, count: s.outputCount), expected = fast
        Kernels.depthwiseConv2dForward(s, input: input, kernel: kernel, output: &fast)
        Kernels.Reference.depthwiseConv2dForward(s, input: input, kernel: kernel, output: &expected)
        #expect(maxAbsoluteDifference(fast, expected) <= tolerance(terms: s.kernelHeight * s.kernelWidth))

        var fastInput = [Float](repeating: .nan, count: s.inputCount), expectedInput = fastInput
        Kernels.depthwiseConv2dBackwardInput(s, outputGradient: outputGradient, kernel: kernel, inputGradient: &fastInput)
        Kernels.Reference.depthwiseConv2dBackwardInput(s, outputGradient: outputGradient, kernel: kernel,
                                                       inputGradient: &expectedInput)
        #expect(maxAbsoluteDifference(fastInput, expectedInput) <= tolerance(terms: s.kernelHeight * s.kernelWidth))

        var fastKernel = [Float](repeating: .nan, count: kernel.count), expectedKernel = fastKernel
        Kernels.depthwiseConv2dBackwardKernel(s, input: input, outputGradient: outputGradient, kernelGradient: &fastKernel)
        Kernels.Reference.depthwiseConv2dBackwardKernel(s, input: input, outputGradient: outputGradient,
                                                        kernelGradient: &expectedKernel)
        #expect(maxAbsoluteDifference(fastKernel, expectedKernel) <= tolerance(terms: kernelGradientTerms(s)))
        // Every value was written (no NaN left from the fill) and some taps are non-zero.
        #expect(fastKernel.allSatisfy { $0.isFinite } && fastKernel.contains { $0 != 0 })
    }
}

@Test("depthwise forward with a folded batch-norm + ReLU6 or SiLU epilogue = forward, then batchNormApply",
      arguments: depthwiseShapes, [.clamp(lower: 0, upper: 6), .silu] as [ChannelAffineActivation.Function])
func depthwiseEpilogueEqualsSeparatePass(_ s: Conv2DShape, function: ChannelAffineActivation.Function) {
    let channels = s.inChannels
    let input = randomFloats(s.inputCount, seed: 23)
    let kernel = randomFloats(s.kernelHeight * s.kernelWidth * channels, seed: 24).map { $0 * 3 }
    let scale = randomFloats(channels, seed: 25).map { $0 * 4 }, shift = randomFloats(channels, seed: 26).map { $0 + 2 }
    var fused = [Float](repeating: .nan, count: s.outputCount), convolved = fused, separate = fused
    Kernels.depthwiseConv2dForward(s, input: input, kernel: kernel, output: &convolved)
    scale.withUnsafeBufferPointer { scaleBuffer in
        shift.withUnsafeBufferPointer { shiftBuffer in
            let map = ChannelAffineActivation(scale: scaleBuffer.baseAddress!, shift: shiftBuffer.baseAddress!,
                                              function: function)
            Kernels.depthwiseConv2dForward(s, input: input, kernel: kernel, epilogue: map, output: &fused)
            Kernels.batchNormApply(convolved, map, rows: s.outputCount / channels, channels: channels,
                                   output: &separate)
        }
    }
    #expect(fused == separate)
    if function == .silu {
        // SiLU of z = v · scale + shift, against the definition.
        let z = (0..<s.outputCount).map { shift[$0 % channels].addingProduct(convolved[$0], scale[$0 % channels]) }
        let expected = z.map { Double($0) / (1 + exp(-Double($0))) }
        #expect(zip(fused, expected).allSatisfy { abs(Double($0) - $1) <= 1e-6 * abs($1) + 1e-6 })
    } else {
        #expect(fused.contains(0) && fused.contains(6))
    }
}
