// Tests of the fit loop on a tiny Dense model: batching with the last partial batch kept, running means,
// seeded reproducibility, learning, and evaluation against a hand-counted confusion matrix.

import Foundation
import Testing
import EmotionNN
import EmotionTraining

/// Flatten → Dense(8, relu) → Dropout(0.5) → Dense(3, softmax) on 2×2×3 inputs.
private func tinyModel(seed: UInt64) -> Sequential {
    Sequential(
        inputShape: [2, 2, 3],
        layers: [Flatten(), Dense(units: 8, activation: .relu), Dropout(rate: 0.5), Dense(units: 3, activation: .softmax)],
        seed: seed)
}

/// Ten separable samples: class k has channel k bright.
private func tinyData() -> (images: Tensor, labels: [Int32]) {
    var scalars: [Float] = []
    var labels: [Int32] = []
    for sample in 0..<10 {
        let label = sample % 3
        for pixel in 0..<4 {
            for channel in 0..<3 {
                scalars.append(channel == label ? 1 : Float((sample + pixel) % 3) * 0.1)
            }
        }
        labels.append(Int32(label))
    }
    return (Tensor(shape: [10, 2, 2, 3], scalars: scalars), labels)
}

private func train(seed: UInt64, epochs: Int) -> (metrics: [EpochMetrics], weights: [[Float]], batches: [Int]) {
    let data = tinyData()
    let trainer = Trainer(model: tinyModel(seed: seed), learningRate: 0.01, batchSize: 4, seed: seed)
    var metrics: [EpochMetrics] = []
    var batches: [Int] = []
    for epoch in 1...epochs {
        metrics.append(trainer.trainEpoch(epoch, images: data.images, labels: data.labels) { batches.append($0.step) })
    }
    return (metrics, trainer.model.parameters.map(\.value.scalars), batches)
}

@Test func epochsKeepTheLastPartialBatchAndAreReproducible() {
    let first = train(seed: 3, epochs: 3)
    #expect(first.batches == [1, 2, 3, 1, 2, 3, 1, 2, 3])  // 10 samples in batches of 4, 4, 2
    let again = train(seed: 3, epochs: 3)
    #expect(first.weights == again.weights)
    #expect(first.metrics.map(\.loss) == again.metrics.map(\.loss))
    #expect(first.metrics.map(\.accuracy) == again.metrics.map(\.accuracy))
    let other = train(seed: 4, epochs: 3)
    #expect(first.weights != other.weights)
    // Accuracy is a mean over samples, so with 10 samples it is a multiple of 0.1.
    for metrics in first.metrics {
        #expect(abs(metrics.accuracy * 10 - (metrics.accuracy * 10).rounded()) < 1e-9)
    }
}

@Test func trainingLearnsASeparableSet() {
    let result = train(seed: 1, epochs: 60)
    #expect(result.metrics[59].loss < result.metrics[0].loss * 0.5,
            "loss \(result.metrics[0].loss) → \(result.metrics[59].loss)")
    let data = tinyData()
    let trainer = Trainer(model: tinyModel(seed: 1), learningRate: 0.01, batchSize: 4, seed: 1)
    for epoch in 1...60 { _ = trainer.trainEpoch(epoch, images: data.images, labels: data.labels) }
    let evaluation = Trainer.evaluate(trainer.model, images: data.images, labels: data.labels, classCount: 3, batchSize: 3)
    #expect(evaluation.accuracy == 1)
    #expect(evaluation.confusion.counts == [[4, 0, 0], [0, 3, 0], [0, 0, 3]])
}

@Test func evaluationMatchesTheModelsOwnPredictions() {
    let data = tinyData()
    let model = tinyModel(seed: 9)
    let predicted = model.predict(data.images).argmaxAlongLastAxis()
    var expected = ConfusionMatrix(classCount: 3)
    for (truth, guess) in zip(data.labels, predicted) { expected.add(trueClass: Int(truth), predicted: guess) }
    var steps: [Int] = []
    let evaluation = Trainer.evaluate(model, images: data.images, labels: data.labels, classCount: 3, batchSize: 4) {
        steps.append($0.step)
    }
    #expect(steps == [1, 2, 3])
    #expect(evaluation.confusion == expected)
    #expect(evaluation.count == 10)
    // The loss is the mean over samples of -log p(label), whatever the batching.
    let probabilities = model.predict(data.images).scalars
    var lossSum = 0.0
    for (row, label) in data.labels.enumerated() {
        lossSum -= log(Double(probabilities[row * 3 + Int(label)]))
    }
    let meanLoss = lossSum / 10
    #expect(abs(evaluation.loss - meanLoss) < 1e-5)
    let single = Trainer.evaluate(model, images: data.images, labels: data.labels, classCount: 3, batchSize: 10)
    #expect(abs(single.loss - evaluation.loss) < 1e-6)
}
