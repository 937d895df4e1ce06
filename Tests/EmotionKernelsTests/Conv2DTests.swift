// Fast convolution kernels vs the naive reference: valid/same (asymmetric) padding, strides, 1x1, odd channel
// counts, and the Task 1 layer shapes at a small spatial size.

import EmotionTestSupport
import Testing

@testable import EmotionKernels

private let convShapes: [Conv2DShape] = [
    Conv2DShape(batch: 2, height: 7, width: 9, inChannels: 3, outChannels: 5, kernelHeight: 3, kernelWidth: 3),
    Conv2DShape(batch: 3, height: 8, width: 7, inChannels: 4, outChannels: 6, kernelHeight: 3, kernelWidth: 3,
                strideY: 2, strideX: 2, padding: .same),
    Conv2DShape(batch: 1, height: 6, width: 5, inChannels: 2, outChannels: 3, kernelHeight: 2, kernelWidth: 4,
                padding: .same),
    Conv2DShape(batch: 2, height: 5, width: 6, inChannels: 9, outChannels: 17, kernelHeight: 1, kernelWidth: 1),
    Conv2DShape(batch: 2, height: 9, width: 9, inChannels: 5, outChannels: 40, kernelHeight: 5, kernelWidth: 5,
                strideY: 1, strideX: 2, padding: .same),
    Conv2DShape(batch: 1, height: 1, width: 1, inChannels: 1, outChannels: 1, kernelHeight: 1, kernelWidth: 1),
    // Kernel 2×1 and stride ≥ kernel width: consecutive patches continue across output rows in memory.
    Conv2DShape(batch: 2, height: 5, width: 4, inChannels: 3, outChannels: 7, kernelHeight: 2, kernelWidth: 1),
    Conv2DShape(batch: 2, height: 7, width: 9, inChannels: 2, outChannels: 5, kernelHeight: 1, kernelWidth: 2,
                strideY: 1, strideX: 3),
    // Stride 1 with ≥ 16 input channels: the input gradient runs as a convolution with the flipped kernel.
    Conv2DShape(batch: 2, height: 6, width: 7, inChannels: 20, outChannels: 9, kernelHeight: 3, kernelWidth: 2,
                padding: .same),
    // Enough pixels for several GEMM tiles, K slices and workers.
    Conv2DShape(batch: 4, height: 20, width: 20, inChannels: 8, outChannels: 16, kernelHeight: 3, kernelWidth: 3,
                padding: .same),
    // Patch length D > NC (4080) and O > KC (256): several column blocks and depth slices.
    Conv2DShape(batch: 1, height: 4, width: 4, inChannels: 460, outChannels: 260, kernelHeight: 3, kernelWidth: 3),
    // Task 1: conv1 (K = 27) and conv2 (K = 288), on small images.
    Conv2DShape(batch: 3, height: 12, width: 11, inChannels: 3, outChannels: 32, kernelHeight: 3, kernelWidth: 3),
    Conv2DShape(batch: 2, height: 9, width: 10, inChannels: 32, outChannels: 64, kernelHeight: 3, kernelWidth: 3),
    // Kernel rows of 3·k elements and a multiple of 32 channels: the 3×32 weight-gradient tiles.
    Conv2DShape(batch: 1, height: 6, width: 7, inChannels: 1, outChannels: 32, kernelHeight: 3, kernelWidth: 3,
                padding: .same),
    Conv2DShape(batch: 1, height: 7, width: 8, inChannels: 5, outChannels: 64, kernelHeight: 3, kernelWidth: 3,
                strideY: 2, strideX: 2, padding: .same),
    // A pointwise kernel of ≥ 65536 weights: the weight gradient is one plain sgemm.
    Conv2DShape(batch: 2, height: 3, width: 4, inChannels: 256, outChannels: 260, kernelHeight: 1, kernelWidth: 1),
]

/// Tolerance for sums of `terms` products of values in [-1, 1] in Float.
private func tolerance(terms: Int) -> Float { 1e-5 * Float(terms) + 1e-5 }

private func workspace(_ s: Conv2DShape) -> [Float] { [Float](repeating: .nan, count: max(s.workspaceCount, 1)) }

@Test("conv2dForward matches the reference on every kernel variant", arguments: convShapes, Kernels.Variant.allCases)
func conv2dForwardMatchesReference(_ s: Conv2DShape, variant: Kernels.Variant) {
    for activation in Activation.allCases {
        Kernels.withVariant(variant) {
            let input = randomFloats(s.inputCount, seed: 10)
            let kernel = randomFloats(s.kernelCount, seed: 11)
            let bias = randomFloats(s.outChannels, seed: 12)
            var scratch = workspace(s)
            var fast = [Float](repeating: .nan, count: s.outputCount)
            var expected = fast
            Kernels.conv2dForward(s, input: input, kernel: kernel, bias: bias, activation: activation, output: &fast,
                                  workspace: &scratch)
            Kernels.Reference.conv2dForward(s, input: input, kernel: kernel, bias: bias, activation: activation,
                                            output: &expected)
            #expect(maxAbsoluteDifference(fast, expected) <= tolerance(terms: s.kernelHeight * s.kernelWidth * s.inChannels))

            // Without bias.
            Kernels.conv2dForward(s, input: input, kernel: kernel, bias: nil, activation: activation, output: &fast,
                                  workspace: &scratch)
            Kernels.Reference.conv2dForward(s, input: input, kernel: kernel, bias: nil, activation: activation,
                                            output: &expected)
            #expect(maxAbsoluteDifference(fast, expected) <= tolerance(terms: s.kernelHeight * s.kernelWidth * s.inChannels))
        }
    }
}

@Test("conv2dBackwardInput matches the reference on every kernel variant", arguments: convShapes, Kernels.Variant.allCases)
func conv2dBackwardInputMatchesReference(_ s: Conv2DShape, variant: Kernels.Variant) {
    Kernels.withVariant(variant) {
        let outputGradient = randomFloats(s.outputCount, seed: 20)
        let kernel = randomFloats(s.kernelCount, seed: 21)
        var scratch = workspace(s)
        var fast = [Float](repeating: .nan, count: s.inputCount)
        var expected = fast
        Kernels.conv2dBackwardInput(s, outputGradient: outputGradient, kernel: kernel, inputGradient: &fast,
                                    workspace: &scratch)
        Kernels.Reference.conv2dBackwardInput(s, outputGradient: outputGradient, kernel: kernel, inputGradient: &expected)
        #expect(maxAbsoluteDifference(fast, expected) <= tolerance(terms: s.kernelHeight * s.kernelWidth * s.outChannels))
    }
}

@Test("conv2dBackwardWeight matches the reference on every kernel variant", arguments: convShapes, Kernels.Variant.allCases)
func conv2dBackwardWeightMatchesReference(_ s: Conv2DShape, variant: Kernels.Variant) {
    Kernels.withVariant(variant) {
        let input = randomFloats(s.inputCount, seed: 30)
        let outputGradient = randomFloats(s.outputCount, seed: 31)
        var scratch = workspace(s)
        var fastKernel = [Float](repeating: .nan, count: s.kernelCount)
        var fastBias = [Float](repeating: .nan, count: s.outChannels)
        var expectedKernel = fastKernel
        var expectedBias = fastBias
        Kernels.conv2dBackwardWeight(s, input: input, outputGradient: outputGradient, kernelGradient: &fastKernel,
                                     biasGradient: &fastBias, workspace: &scratch)
        Kernels.Reference.conv2dBackwardWeight(s, input: input, outputGradient: outputGradient,
                                               kernelGradient: &expectedKernel, biasGradient: &expectedBias)
        let positions = s.batch * s.outHeight * s.outWidth
        #expect(maxAbsoluteDifference(fastKernel, expectedKernel) <= tolerance(terms: positions))
        #expect(maxAbsoluteDifference(fastBias, expectedBias) <= tolerance(terms: positions))

        // Without a bias gradient the kernel gradient is unchanged.
        var kernelOnly = [Float](repeating: .nan, count: s.kernelCount)
        Kernels.conv2dBackwardWeight(s, input: input, outputGradient: outputGradient, kernelGradient: &kernelOnly,
                                     biasGradient: nil, workspace: &scratch)
        #expect(maxAbsoluteDifference(kernelOnly, expectedKernel) <= tolerance(terms: positions))
    }
}

@Test("The convolution kernels give the same bits on every kernel variant", arguments: convShapes)
func convolutionsAreBitIdenticalAcrossVariants(_ s: Conv2DShape) {
    let input = randomFloats(s.inputCount, seed: 40)
    let kernel = randomFloats(s.kernelCount, seed: 41)
    let bias = randomFloats(s.outChannels, seed: 42)
    let outputGradient = randomFloats(s.outputCount, seed: 43)
    let results = Kernels.Variant.allCases.map { variant in
        Kernels.withVariant(variant) { () -> [[UInt32]] in
            var scratch = workspace(s)
            var output = [Float](repeating: .nan, count: s.outputCount)
            Kernels.conv2dForward(s, input: input, kernel: kernel, bias: bias, activation: .relu, output: &output,
                                  workspace: &scratch)
            var inputGradient = [Float](repeating: .nan, count: s.inputCount)
            Kernels.conv2dBackwardInput(s, outputGradient: outputGradient, kernel: kernel,
                                        inputGradient: &inputGradient, workspace: &scratch)
            var kernelGradient = [Float](repeating: .nan, count: s.kernelCount)
            var biasGradient = [Float](repeating: .nan, count: s.outChannels)
            Kernels.conv2dBackwardWeight(s, input: input, outputGradient: outputGradient, kernelGradient: &kernelGradient,
                                         biasGradient: &biasGradient, workspace: &scratch)
            return [output, inputGradient, kernelGradient, biasGradient].map { $0.map(\.bitPattern) }
        }
    }
    for result in results.dropFirst() {
        for (part, name) in ["output", "input gradient", "kernel gradient", "bias gradient"].enumerated() {
            let differing = zip(result[part], results[0][part]).filter { $0 != $1 }.count
            #expect(differing == 0, "\(name): \(differing) of \(result[part].count) values differ")
        }
    }
}

/// Shapes whose stride-1 input gradient with a ReLU mask runs in several bands of rows per image.
private let bandedShapes: [Conv2DShape] = [
    Conv2DShape(batch: 2, height: 12, width: 40, inChannels: 16, outChannels: 200, kernelHeight: 3, kernelWidth: 3,
                padding: .same),
    Conv2DShape(batch: 1, height: 13, width: 30, inChannels: 17, outChannels: 300, kernelHeight: 3, kernelWidth: 2),
    // ≥ 32 input channels: banded on the 32-wide tiles too.
    Conv2DShape(batch: 1, height: 14, width: 26, inChannels: 40, outChannels: 150, kernelHeight: 3, kernelWidth: 3,
                padding: .same),
]

@Test("The fused ReLU backward equals reluBackward then the plain kernels, on every kernel variant",
      arguments: convShapes + bandedShapes, Kernels.Variant.allCases)
func fusedReLUBackwardMatchesUnfused(_ s: Conv2DShape, variant: Kernels.Variant) {
    Kernels.withVariant(variant) {
        let input = randomFloats(s.inputCount, seed: 40)
        let kernel = randomFloats(s.kernelCount, seed: 41)
        let outputGradient = randomFloats(s.outputCount, seed: 42)
        // A ReLU output: about half zeros, the rest positive.
        let reluOutput = randomFloats(s.outputCount, seed: 43).map { max($0, 0) }
        var maskedGradient = [Float](repeating: .nan, count: s.outputCount)
        Kernels.reluBackward(outputGradient: outputGradient, output: reluOutput, inputGradient: &maskedGradient,
                             count: s.outputCount)
        var scratch = workspace(s)

        var fusedInput = [Float](repeating: .nan, count: s.inputCount)
        var unfusedInput = fusedInput
        var expectedInput = fusedInput
        Kernels.conv2dBackwardInput(s, outputGradient: outputGradient, reluOutput: reluOutput, kernel: kernel,
                                    inputGradient: &fusedInput, workspace: &scratch)
        Kernels.conv2dBackwardInput(s, outputGradient: maskedGradient, kernel: kernel, inputGradient: &unfusedInput,
                                    workspace: &scratch)
        Kernels.Reference.conv2dBackwardInput(s, outputGradient: maskedGradient, kernel: kernel,
                                              inputGradient: &expectedInput)
        #expect(fusedInput == unfusedInput)
        #expect(maxAbsoluteDifference(fusedInput, expectedInput)
            <= tolerance(terms: s.kernelHeight * s.kernelWidth * s.outChannels))

        var fusedKernel = [Float](repeating: .nan, count: s.kernelCount)
        var fusedBias = [Float](repeating: .nan, count: s.outChannels)
        var (unfusedKernel, unfusedBias) = (fusedKernel, fusedBias)
        var (expectedKernel, expectedBias) = (fusedKernel, fusedBias)
        Kernels.conv2dBackwardWeight(s, input: input, outputGradient: outputGradient, reluOutput: reluOutput,
                                     kernelGradient: &fusedKernel, biasGradient: &fusedBias, workspace: &scratch)
        Kernels.conv2dBackwardWeight(s, input: input, outputGradient: maskedGradient, kernelGradient: &unfusedKernel,
                                     biasGradient: &unfusedBias, workspace: &scratch)
        Kernels.Reference.conv2dBackwardWeight(s, input: input, outputGradient: maskedGradient,
                                               kernelGradient: &expectedKernel, biasGradient: &expectedBias)
        #expect(fusedKernel == unfusedKernel && fusedBias == unfusedBias)
        let positions = s.batch * s.outHeight * s.outWidth
        #expect(maxAbsoluteDifference(fusedKernel, expectedKernel) <= tolerance(terms: positions))
        #expect(maxAbsoluteDifference(fusedBias, expectedBias) <= tolerance(terms: positions))
    }
}

@Test func samePaddingIsTensorFlowAsymmetric() {
    // 8 wide, kernel 3, stride 2: out 4, total pad 1, all of it on the right/bottom.
    let strided = Conv2DShape(batch: 1, height: 8, width: 8, inChannels: 1, outChannels: 1, kernelHeight: 3,
                              kernelWidth: 3, strideY: 2, strideX: 2, padding: .same)
    #expect([strided.padTop, strided.padBottom, strided.padLeft, strided.padRight] == [0, 1, 0, 1])
    #expect([strided.outHeight, strided.outWidth] == [4, 4])
    // Kernel 4, stride 1: total pad 3 → 1 before, 2 after.
    let even = Conv2DShape(batch: 1, height: 5, width: 6, inChannels: 1, outChannels: 1, kernelHeight: 4,
                           kernelWidth: 4, padding: .same)
    #expect([even.padTop, even.padBottom, even.padLeft, even.padRight] == [1, 2, 1, 2])
    #expect([even.outHeight, even.outWidth] == [5, 6])
    let valid = Conv2DShape(batch: 32, height: 100, width: 100, inChannels: 3, outChannels: 32, kernelHeight: 3,
                            kernelWidth: 3)
    #expect([valid.outHeight, valid.outWidth, valid.outputCount] == [98, 98, 32 * 98 * 98 * 32])
}

@Test func conv2dForwardKnownValues() {
    // 1×3×3×1 input 1…9, 2×2 kernel of ones, bias −12, ReLU: sums 12, 16, 24, 28 → 0, 4, 12, 16.
    let s = Conv2DShape(batch: 1, height: 3, width: 3, inChannels: 1, outChannels: 1, kernelHeight: 2,
                        kernelWidth: 2)
    let input: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    var output = [Float](repeating: .nan, count: 4)
    var scratch = workspace(s)
    Kernels.conv2dForward(s, input: input, kernel: [1, 1, 1, 1], bias: [-12], activation: .relu, output: &output,
                          workspace: &scratch)
    #expect(output == [0, 4, 12, 16])
}

@Test func windowsLargerThanTheInputGiveEmptyOutputs() {
    let conv = Conv2DShape(batch: 2, height: 2, width: 5, inChannels: 3, outChannels: 4, kernelHeight: 3,
                           kernelWidth: 3)
    #expect(conv.outHeight == 0 && conv.outputCount == 0)
    #expect(Pool2DShape(batch: 1, height: 1, width: 4, channels: 2).outHeight == 0)

    // With no output pixels every gradient is zero.
    let input = randomFloats(conv.inputCount, seed: 70)
    let kernel = randomFloats(conv.kernelCount, seed: 71)
    var scratch = workspace(conv)
    var inputGradient = [Float](repeating: .nan, count: conv.inputCount)
    var kernelGradient = [Float](repeating: .nan, count: conv.kernelCount)
    var biasGradient = [Float](repeating: .nan, count: conv.outChannels)
    let noGradient: [Float] = [0]
    Kernels.conv2dBackwardInput(conv, outputGradient: noGradient, kernel: kernel, inputGradient: &inputGradient,
                                workspace: &scratch)
    Kernels.conv2dBackwardWeight(conv, input: input, outputGradient: noGradient, kernelGradient: &kernelGradient,
                                 biasGradient: &biasGradient, workspace: &scratch)
    #expect(inputGradient.allSatisfy { $0 == 0 })
    #expect(kernelGradient.allSatisfy { $0 == 0 })
    #expect(biasGradient.allSatisfy { $0 == 0 })
}
