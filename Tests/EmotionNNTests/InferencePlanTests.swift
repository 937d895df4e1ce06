// The compiled inference pass behind `Sequential.predict` and `evaluate` against the layer-by-layer pass
// (the path training uses, here in inference mode, with and without a tape): the same values within float
// rounding, for the Task 1 layer pattern, for unfused pooling, linear layers and no softmax; that it
// allocates nothing new once warm; and that models with other layers fall back to the layer-by-layer pass.

import EmotionTestSupport
import Testing
@testable import EmotionNN

@Suite struct InferencePlanTests {
    /// `model`'s output through the layers (inference mode), and the same recorded on a tape.
    private func layerByLayer(_ model: Sequential, _ images: Tensor) -> (plain: Tensor, taped: Tensor) {
        let plain = model(Variable(images), mode: .inference).value
        let tape = Tape()
        let taped = model(tape.constant(images), mode: .inference).value
        return (plain, taped)
    }

    @Test func task1PatternMatchesTheLayerByLayerPass() throws {
        let model = task1Network(inputSize: 22, classes: 6, seed: 5)
        let plan = try #require(InferencePlan(model))
        #expect(plan.outputShape == [6])
        let images = randomTensor([5, 22, 22, 3], seed: 6)
        let (plain, taped) = layerByLayer(model, images)
        let predicted = model.predict(images)
        #expect(predicted.shape == [5, 6])
        #expect(maxAbsoluteDifference(predicted, plain) <= 1e-6)
        #expect(maxAbsoluteDifference(predicted, taped) <= 1e-6)
        #expect(predicted.argmaxAlongLastAxis() == plain.argmaxAlongLastAxis())

        // evaluate: the same loss and probabilities as the softmax cross-entropy of the layers' logits.
        let labels: [Int32] = [0, 1, 2, 3, 4]
        let (loss, probabilities) = model.evaluate(images: images, labels: labels)
        let (expectedLoss, expectedProbabilities) = softmaxCrossEntropy(
            logits: model.logits(Variable(images), mode: .inference), labels: labels)
        #expect(abs(loss - expectedLoss.value.scalar) <= 1e-6)
        #expect(maxAbsoluteDifference(probabilities, expectedProbabilities) <= 1e-6)
    }

    @Test func unfusedPoolingLinearLayersAndNoSoftmax() throws {
        // A pooling with no convolution before it, a linear convolution with no pooling after it, same
        // padding and stride 2, and a model whose output is not a softmax.
        let model = Sequential(inputShape: [15, 13, 4], layers: [
            MaxPool2D(poolSize: 3, strides: 2), Conv2D(filters: 20, kernelSize: 3, strides: 2, padding: .same),
            Dropout(rate: 0.5), Flatten(), Dense(units: 7, activation: .relu), Dense(units: 3),
        ], seed: 9)
        #expect(InferencePlan(model) != nil)
        let images = randomTensor([3, 15, 13, 4], seed: 10)
        let (plain, taped) = layerByLayer(model, images)
        let predicted = model.predict(images)
        #expect(predicted.shape == [3, 3])
        #expect(maxAbsoluteDifference(predicted, plain) <= 1e-6)
        #expect(maxAbsoluteDifference(predicted, taped) <= 1e-6)
    }

    @Test func weightsAreReadWhenThePlanRuns() {
        let model = task1Network(inputSize: 12, classes: 3, seed: 1)
        let images = randomTensor([2, 12, 12, 3], seed: 2)
        let before = model.predict(images)
        // A training step changes the weights; the next prediction must see them.
        _ = model.trainStep(images: images, labels: [0, 1], optimizer: Adam(learningRate: 0.1), dropoutSeed: 3)
        let after = model.predict(images)
        #expect(before != after)
        #expect(maxAbsoluteDifference(after, model(Variable(images), mode: .inference).value) <= 1e-6)
    }

    @Test func aWarmPlanAllocatesNothingNew() {
        let model = task1Network(inputSize: 16, classes: 6, seed: 4)
        let images = randomTensor([4, 16, 16, 3], seed: 5)
        let pool = BufferPool()
        pool.activate {
            _ = model.predict(images)
            let warm = pool.statistics.freshAllocations
            for _ in 0..<3 { _ = model.predict(images) }
            #expect(pool.statistics.freshAllocations == warm)
        }
    }

    @Test func otherLayersFallBackToTheLayerByLayerPass() {
        let model = Sequential(inputShape: [6, 6, 2], layers: [
            Conv2D(filters: 4, kernelSize: 3), BatchNorm2D(), Flatten(), Dense(units: 2, activation: .softmax),
        ], seed: 3)
        #expect(InferencePlan(model) == nil)
        let images = randomTensor([2, 6, 6, 2], seed: 4)
        #expect(model.predict(images) == model(Variable(images), mode: .inference).value)
    }
}
