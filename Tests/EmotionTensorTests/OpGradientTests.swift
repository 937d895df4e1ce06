// Finite-difference gradient checks for every op: central differences of L = Σ(out ⊙ R), R fixed random,
// step 1e-2, |analytic − numeric| ≤ 1e-3 + 3e-3·max(|analytic|, |numeric|) (Double-accumulated L).
// Inputs of piecewise-linear ops (ReLU, max) are kept at least 0.05 from their kinks.

import EmotionTestSupport
import Testing
@testable import EmotionTensor

@Suite struct OpGradientTests {
    struct ConvCase: CustomStringConvertible, Sendable {
        var input: [Int]
        var kernel: [Int]
        var strides: (Int, Int)
        var padding: Padding
        var bias: Bool
        var activation: FusedActivation
        var description: String { "x\(input) w\(kernel) s\(strides) \(padding) bias:\(bias) \(activation)" }
    }

    static let convCases: [ConvCase] = [
        ConvCase(input: [2, 5, 6, 3], kernel: [3, 3, 3, 4], strides: (1, 1), padding: .valid, bias: true, activation: .linear),
        ConvCase(input: [2, 5, 6, 3], kernel: [3, 3, 3, 4], strides: (1, 1), padding: .same, bias: true, activation: .linear),
        ConvCase(input: [1, 7, 8, 2], kernel: [3, 3, 2, 3], strides: (2, 2), padding: .valid, bias: true, activation: .linear),
        ConvCase(input: [1, 6, 8, 2], kernel: [3, 3, 2, 3], strides: (2, 2), padding: .same, bias: false, activation: .linear),
        ConvCase(input: [1, 5, 6, 2], kernel: [2, 3, 2, 3], strides: (1, 2), padding: .same, bias: true, activation: .linear),
        ConvCase(input: [2, 4, 4, 3], kernel: [1, 1, 3, 5], strides: (1, 1), padding: .valid, bias: true, activation: .linear),
        ConvCase(input: [2, 5, 5, 2], kernel: [3, 3, 2, 3], strides: (1, 1), padding: .valid, bias: true, activation: .relu),
    ]

    @Test(arguments: convCases)
    func conv2dGradients(_ c: ConvCase) {
        var inputs = [randomTensor(c.input, seed: 10), randomTensor(c.kernel, seed: 11)]
        if c.bias { inputs.append(randomTensor([c.kernel[3]], seed: 12)) }
        // With a fused ReLU, the step is small so that no pre-activation crosses zero.
        let step: Float = c.activation == .relu ? 1e-3 : 1e-2
        let result = checkGradients(
            of: { v in
                conv2d(v[0], kernel: v[1], bias: c.bias ? v[2] : nil, strides: c.strides, padding: c.padding,
                       activation: c.activation)
            },
            at: inputs, step: step, absoluteTolerance: c.activation == .relu ? 5e-3 : 1e-3)
        #expect(result.passed, "\(c): \(result)")
    }

    @Test func maxPoolGradients() {
        for (pool, stride) in [(2, 2), (3, 2), (2, 1)] {
            let result = checkGradients(
                of: { v in maxPool2d(v[0], poolSize: pool, stride: stride) },
                at: [distinctTensor([2, 7, 6, 3], seed: 20)])
            #expect(result.passed, "pool \(pool) stride \(stride): \(result)")
        }
    }

    @Test func dropoutGradients() {
        let result = checkGradients(of: { v in dropout(v[0], rate: 0.4, seed: 99) }, at: [randomTensor([3, 10], seed: 21)])
        #expect(result.passed, "\(result)")
    }

    @Test func reshapeAndFlattenGradients() {
        let result = checkGradients(
            of: { v in add(reshape(flatten(v[0]), to: [2, 3, 4]), v[1]) },
            at: [randomTensor([2, 3, 2, 2], seed: 22), randomTensor([2, 3, 4], seed: 23)])
        #expect(result.passed, "\(result)")
    }

    @Test(arguments: [FusedActivation.linear, .relu])
    func denseGradients(_ activation: FusedActivation) {
        let inputs = [randomTensor([4, 5], seed: 24), randomTensor([5, 3], seed: 25), randomTensor([3], seed: 26)]
        let step: Float = activation == .relu ? 1e-3 : 1e-2
        let withBias = checkGradients(of: { v in dense(v[0], kernel: v[1], bias: v[2], activation: activation) },
                                      at: inputs, step: step, absoluteTolerance: 5e-3)
        #expect(withBias.passed, "\(activation) with bias: \(withBias)")
        let withoutBias = checkGradients(of: { v in dense(v[0], kernel: v[1], activation: activation) },
                                         at: Array(inputs.prefix(2)), step: step, absoluteTolerance: 5e-3)
        #expect(withoutBias.passed, "\(activation) without bias: \(withoutBias)")
    }

    @Test func reluGradients() {
        let result = checkGradients(of: { v in relu(v[0]) }, at: [randomTensorAwayFromZero([4, 6], seed: 27)])
        #expect(result.passed, "\(result)")
    }

    @Test func softmaxGradients() {
        let result = checkGradients(of: { v in softmax(v[0]) }, at: [randomTensor([3, 5], seed: 28, scale: 2)])
        #expect(result.passed, "\(result)")
    }

    @Test func softmaxCrossEntropyGradients() {
        let labels: [Int32] = [0, 4, 2, 2]
        let result = checkGradients(
            of: { v in softmaxCrossEntropy(logits: v[0], labels: labels).loss },
            at: [randomTensor([4, 5], seed: 29, scale: 3)])
        #expect(result.passed, "\(result)")
    }

    @Test func weightedSmoothedSoftmaxCrossEntropyGradients() {
        let labels: [Int32] = [0, 4, 2, 2]
        let options = CrossEntropyOptions(classWeights: [0.5, 1, 2.5, 1, 1.5], labelSmoothing: 0.2)
        let result = checkGradients(
            of: { v in softmaxCrossEntropy(logits: v[0], labels: labels, options: options).loss },
            at: [randomTensor([4, 5], seed: 32, scale: 3)])
        #expect(result.passed, "\(result)")
    }

    @Test func sampleWeightedSoftmaxCrossEntropyGradients() {
        let labels: [Int32] = [0, 4, 2, 2]
        let options = CrossEntropyOptions(classWeights: [0.5, 1, 2.5, 1, 1.5], labelSmoothing: 0.1)
        let result = checkGradients(
            of: { v in
                softmaxCrossEntropy(logits: v[0], labels: labels, options: options, sampleWeights: [0.7, 0.2, 1, 0.45]).loss
            },
            at: [randomTensor([4, 5], seed: 33, scale: 3)])
        #expect(result.passed, "\(result)")
    }

    @Test func generalisedCrossEntropyGradients() {
        let labels: [Int32] = [0, 4, 2, 2]
        for smoothing in [Float(0), 0.1] {
            let options = CrossEntropyOptions(classWeights: [0.5, 1, 2.5, 1, 1.5], labelSmoothing: smoothing, gceQ: 0.7)
            let result = checkGradients(
                of: { v in softmaxCrossEntropy(logits: v[0], labels: labels, options: options).loss },
                at: [randomTensor([4, 5], seed: 34, scale: 2)])
            #expect(result.passed, "smoothing \(smoothing): \(result)")
        }
    }

    @Test func balancedClassWeightsGiveEveryClassTheSameTotal() {
        // n = 60 over 4 classes: n / (4 · count); the empty class gets 1.
        let counts = [10, 30, 0, 20]
        let weights = CrossEntropyOptions.balancedClassWeights(counts: counts)
        #expect(weights == [1.5, 0.5, 1, 0.75])
        for (count, weight) in zip(counts, weights) where count > 0 { #expect(Float(count) * weight == 15) }
    }

    @Test func meanSumAddGradients() {
        let inputs = [randomTensor([3, 4], seed: 30), randomTensor([3, 4], seed: 31)]
        let meanResult = checkGradients(of: { v in mean(v[0]) }, at: [inputs[0]])
        let sumResult = checkGradients(of: { v in sum(v[0]) }, at: [inputs[0]])
        let addResult = checkGradients(of: { v in add(v[0], v[1]) }, at: inputs)
        #expect(meanResult.passed, "mean: \(meanResult)")
        #expect(sumResult.passed, "sum: \(sumResult)")
        #expect(addResult.passed, "add: \(addResult)")
    }

    @Test func gradientCheckDetectsAWrongGradient() {
        // The checker must fail when the analytic gradient is wrong (here: doubled).
        let result = checkGradients(analyticGradients: [Tensor(shape: [2], scalars: [2, 2])]) { _, _, offset in
            Double(offset)  // L = x: the true gradient is 1
        }
        #expect(!result.passed)
        #expect(result.failures.count == 2)
    }
}
