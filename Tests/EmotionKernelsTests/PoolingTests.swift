// Max pooling: fast forward vs the reference (values and argmax), ties, and the backward scatter.

import EmotionTestSupport
import Testing

@testable import EmotionKernels

private let poolShapes: [Pool2DShape] = [
    Pool2DShape(batch: 2, height: 8, width: 8, channels: 32),
    Pool2DShape(batch: 3, height: 7, width: 5, channels: 13),
    Pool2DShape(batch: 1, height: 6, width: 7, channels: 3, poolSize: 3, stride: 1),
    Pool2DShape(batch: 2, height: 9, width: 9, channels: 64, poolSize: 3, stride: 2),
]

@Test("maxPool2dForward matches the reference", arguments: poolShapes)
func maxPoolForwardMatchesReference(_ s: Pool2DShape) {
    let input = randomFloats(s.inputCount, seed: 40)
    var output = [Float](repeating: .nan, count: s.outputCount)
    var argmax = [Int32](repeating: -1, count: s.outputCount)
    var expectedOutput = output
    var expectedArgmax = argmax
    Kernels.maxPool2dForward(s, input: input, output: &output, argmax: &argmax)
    Kernels.Reference.maxPool2dForward(s, input: input, output: &expectedOutput, argmax: &expectedArgmax)
    #expect(output == expectedOutput)
    #expect(argmax == expectedArgmax)
}

@Test("maxPool2dForward: the first maximum wins ties", arguments: poolShapes)
func maxPoolTiesPickFirst(_ s: Pool2DShape) {
    // Values quantised to {-1, 0, 1} make ties in most windows; an all-equal input ties everywhere.
    let quantised = randomFloats(s.inputCount, seed: 41).map { $0.rounded() }
    for input in [quantised, [Float](repeating: 0.5, count: s.inputCount)] {
        var output = [Float](repeating: .nan, count: s.outputCount)
        var argmax = [Int32](repeating: -1, count: s.outputCount)
        var expectedOutput = output
        var expectedArgmax = argmax
        Kernels.maxPool2dForward(s, input: input, output: &output, argmax: &argmax)
        Kernels.Reference.maxPool2dForward(s, input: input, output: &expectedOutput, argmax: &expectedArgmax)
        #expect(output == expectedOutput)
        #expect(argmax == expectedArgmax)
    }
}

@Test func maxPoolTieKnownValues() {
    // One 2×2 window of equal values: index 0 (top-left) wins; a later strictly larger value replaces it.
    let s = Pool2DShape(batch: 1, height: 2, width: 4, channels: 1)
    var output = [Float](repeating: .nan, count: 2)
    var argmax = [Int32](repeating: -1, count: 2)
    Kernels.maxPool2dForward(s, input: [3, 3, 1, 2, 3, 3, 2, 5], output: &output, argmax: &argmax)
    #expect(output == [3, 5])
    #expect(argmax == [0, 7])
}

@Test("maxPool2dBackward scatters through argmax", arguments: poolShapes)
func maxPoolBackwardScatters(_ s: Pool2DShape) {
    let input = randomFloats(s.inputCount, seed: 42).map { $0.rounded() }
    var output = [Float](repeating: 0, count: s.outputCount)
    var argmax = [Int32](repeating: 0, count: s.outputCount)
    Kernels.maxPool2dForward(s, input: input, output: &output, argmax: &argmax)
    let outputGradient = randomFloats(s.outputCount, seed: 43)
    var inputGradient = [Float](repeating: .nan, count: s.inputCount)
    Kernels.maxPool2dBackward(s, outputGradient: outputGradient, argmax: argmax, inputGradient: &inputGradient)
    var expected = [Float](repeating: 0, count: s.inputCount)
    for i in 0..<s.outputCount { expected[Int(argmax[i])] += outputGradient[i] }
    #expect(maxAbsoluteDifference(inputGradient, expected) == 0)
}
