// Finite-difference gradient checks of every layer and of a whole small model, with respect to the input
// and all parameters (step 1e-2, or 1e-3 through ReLUs; |Δ| ≤ 1e-3 + 3e-3·max(|analytic|, |numeric|), or
// 5e-3 absolute through ReLUs).

import EmotionTestSupport
import Testing
@testable import EmotionNN

@Suite struct LayerGradientTests {
    func built<L: Layer>(_ layer: L, inputShape: [Int], seed: UInt64 = 3) -> L {
        var generator = SeededGenerator(seed: seed)
        layer.name = "layer"
        layer.build(inputShape: inputShape, generator: &generator)
        // Non-zero biases, so that their gradients and the bias path are exercised.
        for parameter in layer.parameters where parameter.name.hasSuffix("bias") {
            parameter.value = randomTensor(parameter.value.shape, seed: 9, scale: 0.5)
        }
        return layer
    }

    @Test(arguments: [Padding.valid, .same])
    func conv2D(_ padding: Padding) {
        let layer = built(Conv2D(filters: 3, kernelSize: (3, 2), strides: (1, 2), padding: padding), inputShape: [5, 6, 2])
        let result = checkLayerGradients(input: randomTensor([2, 5, 6, 2], seed: 1), parameters: layer.parameters) {
            layer($0, mode: .training)
        }
        #expect(result.passed, "\(result)")
    }

    @Test func conv2DWithReLU() {
        let layer = built(Conv2D(filters: 3, kernelSize: 3, activation: .relu), inputShape: [5, 5, 2])
        let result = checkLayerGradients(input: randomTensor([2, 5, 5, 2], seed: 2), parameters: layer.parameters,
                                         step: 1e-3, absoluteTolerance: 5e-3) { layer($0, mode: .training) }
        #expect(result.passed, "\(result)")
    }

    @Test(arguments: [Activation.linear, .relu, .softmax])
    func dense(_ activation: Activation) {
        let layer = built(Dense(units: 4, activation: activation), inputShape: [6])
        let result = checkLayerGradients(input: randomTensor([3, 6], seed: 4), parameters: layer.parameters,
                                         step: activation == .relu ? 1e-3 : 1e-2, absoluteTolerance: 5e-3) {
            layer($0, mode: .training)
        }
        #expect(result.passed, "\(activation): \(result)")
    }

    @Test func maxPool2DFlattenAndDropout() {
        let pool = built(MaxPool2D(poolSize: 2), inputShape: [4, 6, 3])
        let flatten = built(Flatten(), inputShape: [2, 3, 3])
        let dropout = built(Dropout(rate: 0.5), inputShape: [18])
        // Distinct, well separated inputs so the step never changes which element is the maximum.
        var generator = SeededGenerator(seed: 5)
        var values = (0..<(2 * 4 * 6 * 3)).map { Float($0) * 0.05 }
        values.shuffle(using: &generator)
        let result = checkLayerGradients(input: Tensor(shape: [2, 4, 6, 3], scalars: values), parameters: []) { x in
            dropout.seed = 11  // the same mask on every evaluation
            return dropout(flatten(pool(x, mode: .training), mode: .training), mode: .training)
        }
        #expect(result.passed, "\(result)")
    }

    @Test func wholeModelLossWithRespectToAllParameters() {
        let model = Sequential(inputShape: [6, 6, 2], layers: [
            Conv2D(filters: 3, kernelSize: 3, padding: .same),
            MaxPool2D(poolSize: 2),
            Dropout(rate: 0.25),
            Flatten(),
            Dense(units: 4),
            Dense(units: 3, activation: .softmax),
        ], seed: 8)
        let labels: [Int32] = [2, 0]
        // A small step: a larger one can change which element a max-pool window picks.
        let result = checkLayerGradients(input: randomTensor([2, 6, 6, 2], seed: 6), parameters: model.parameters,
                                         step: 1e-3, absoluteTolerance: 2e-3) { x in
            model.reseedDropout(21)
            return softmaxCrossEntropy(logits: model.logits(x, mode: .training), labels: labels).loss
        }
        #expect(result.passed, "\(result)")
    }
}
