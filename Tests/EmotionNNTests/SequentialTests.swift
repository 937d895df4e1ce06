// Sequential: Keras naming, parameter counts of the Task 1 networks, summary, save/load by name,
// dropout in training vs inference, and overfitting a tiny batch.

import Foundation
import EmotionTestSupport
import Testing
import EmotionKernels
@testable import EmotionNN

/// The Task 1 network, layer for layer as in EmotionTraining's ModelZoo (this target cannot import it).
func task1Network(inputSize: Int, classes: Int, seed: UInt64 = 123) -> Sequential {
    Sequential(inputShape: [inputSize, inputSize, 3], layers: [
        Conv2D(filters: 32, kernelSize: 3, activation: .relu), MaxPool2D(poolSize: 2), Dropout(rate: 0.2),
        Conv2D(filters: 64, kernelSize: 3, activation: .relu), MaxPool2D(poolSize: 2), Dropout(rate: 0.3),
        Flatten(), Dense(units: 128, activation: .relu), Dropout(rate: 0.5), Dense(units: classes, activation: .softmax),
    ], seed: seed)
}

@Suite struct SequentialTests {
    @Test func task1ParameterCountsMatchKeras() {
        let small = task1Network(inputSize: 100, classes: 6)
        #expect(small.parameterCount == 4_353_862)
        #expect(small.trainableParameterCount == 4_353_862)
        #expect(small.outputShape == [6])
        #expect(task1Network(inputSize: 224, classes: 6).parameterCount == 23_908_166)
    }

    @Test func convolutionsRunWithTheMaxPoolingAfterThemInOnePass() {
        func stageNames(_ model: Sequential) -> [[String]] { model.stages.map { $0.layers.map(\.name) } }
        #expect(stageNames(task1Network(inputSize: 100, classes: 6)) == [
            ["conv2d", "max_pooling2d"], ["dropout"], ["conv2d_1", "max_pooling2d_1"], ["dropout_1"], ["flatten"],
            ["dense"], ["dropout_2"], ["dense_1"],
        ])
        // Overlapping windows have no fused backward; neither has a pooling after another layer.
        let unfused = Sequential(inputShape: [9, 9, 2], layers: [
            Conv2D(filters: 4, kernelSize: 3), MaxPool2D(poolSize: 3, strides: 2), MaxPool2D(poolSize: 1),
        ])
        #expect(stageNames(unfused) == [["conv2d"], ["max_pooling2d"], ["max_pooling2d_1"]])
    }

    @Test func layersAndParametersGetKerasNames() {
        let model = task1Network(inputSize: 100, classes: 6)
        #expect(model.layers.map(\.name) == [
            "conv2d", "max_pooling2d", "dropout", "conv2d_1", "max_pooling2d_1", "dropout_1", "flatten", "dense",
            "dropout_2", "dense_1",
        ])
        #expect(model.parameters.map(\.name) == [
            "conv2d.kernel", "conv2d.bias", "conv2d_1.kernel", "conv2d_1.bias", "dense.kernel", "dense.bias",
            "dense_1.kernel", "dense_1.bias",
        ])
        #expect(model.parameters.map(\.value.shape) == [[3, 3, 3, 32], [32], [3, 3, 32, 64], [64], [33856, 128], [128], [128, 6], [6]])
    }

    @Test func explicitNamesAreKeptAndAutomaticNamesAvoidThem() {
        let model = Sequential(inputShape: [4], layers: [Dense(units: 2, name: "dense"), Dense(units: 2), Dense(units: 2, name: "head")])
        #expect(model.layers.map(\.name) == ["dense", "dense_1", "head"])
    }

    @Test func glorotUniformInitialisationIsSeededAndBounded() {
        let a = task1Network(inputSize: 100, classes: 6, seed: 1)
        let b = task1Network(inputSize: 100, classes: 6, seed: 1)
        let c = task1Network(inputSize: 100, classes: 6, seed: 2)
        #expect(a.parameters[0].value == b.parameters[0].value)
        #expect(a.parameters[0].value != c.parameters[0].value)
        // conv2d: fan_in 3·3·3 = 27, fan_out 3·3·32 = 288, limit sqrt(6/315) ≈ 0.138.
        let kernel = a.parameters[0].value.scalars
        let limit = Float(6.0 / 315.0).squareRoot()
        #expect(kernel.allSatisfy { abs($0) <= limit })
        #expect(kernel.map(abs).max()! > 0.9 * limit)
        #expect(a.parameters[1].value == Tensor(shape: [32]))
    }

    @Test func summaryLooksLikeKeras() {
        let summary = task1Network(inputSize: 100, classes: 6).summary()
        #expect(summary.contains("Model: \"sequential\""))
        #expect(summary.contains("│ conv2d (Conv2D)                 │ (None, 98, 98, 32)     │           896 │"))
        #expect(summary.contains("│ max_pooling2d_1 (MaxPooling2D)  │ (None, 23, 23, 64)     │             0 │"))
        #expect(summary.contains("│ flatten (Flatten)               │ (None, 33856)          │             0 │"))
        #expect(summary.contains("│ dense (Dense)                   │ (None, 128)            │     4,333,696 │"))
        #expect(summary.contains(" Total params: 4,353,862 (16.61 MB)"))
        #expect(summary.contains(" Trainable params: 4,353,862 (16.61 MB)"))
        #expect(summary.contains(" Non-trainable params: 0 (0.00 B)"))
    }

    @Test func saveAndLoadRoundTripEveryLayer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let original = task1Network(inputSize: 20, classes: 4, seed: 5)
        try original.saveWeights(to: url, metadata: ["architecture": "task1"])
        let restored = task1Network(inputSize: 20, classes: 4, seed: 6)
        let (report, metadata) = try restored.loadWeights(from: url)
        #expect(report.isExact && report.loaded.count == 8)
        #expect(metadata["architecture"] == "task1")
        for (a, b) in zip(original.parameters, restored.parameters) {
            #expect(a.value == b.value, "\(a.name)")
        }
        let images = randomTensor([2, 20, 20, 3], seed: 7)
        #expect(original.predict(images) == restored.predict(images))
    }

    @Test func loadingReportsMissingUnexpectedAndMisshapenTensors() throws {
        let model = Sequential(inputShape: [4], layers: [Dense(units: 3), Dense(units: 2)])
        let tensors: [(name: String, tensor: Tensor)] = [
            ("dense.kernel", Tensor(shape: [4, 3], repeating: 1)),
            ("dense_1.kernel", Tensor(shape: [2, 3])),
            ("extra", Tensor(scalar: 1)),
        ]
        #expect(throws: WeightLoadingError.self) {
            try loadWeights(tensors, into: model.parameters, strict: true, file: "w.safetensors")
        }
        #expect(model.parameters[0].value != Tensor(shape: [4, 3], repeating: 1), "strict failure assigns nothing")
        let report = try loadWeights(tensors, into: model.parameters, strict: false, file: "w.safetensors")
        #expect(report.loaded == ["dense.kernel"])
        #expect(report.missing == ["dense.bias", "dense_1.bias"])
        #expect(report.unexpected == ["extra"])
        #expect(report.mismatched == [.init(name: "dense_1.kernel", expected: [3, 2], found: [2, 3])])
        #expect(model.parameters[0].value == Tensor(shape: [4, 3], repeating: 1))
    }

    @Test func dropoutActsOnlyInTraining() {
        let model = Sequential(inputShape: [16], layers: [Dropout(rate: 0.5), Dense(units: 3)], seed: 1)
        let x = Variable(randomTensor([4, 16], seed: 2))
        let inference = model(x, mode: .inference).value
        #expect(model(x, mode: .inference).value == inference)
        model.reseedDropout(9)
        let training = model(x, mode: .training).value
        #expect(training != inference)
        model.reseedDropout(9)
        #expect(model(x, mode: .training).value == training, "same seed, same mask")
        #expect(model(x, mode: .training).value != training, "the seed advances between passes")
    }

    @Test func tinyModelOverfitsTinyBatch() {
        let model = Sequential(inputShape: [8, 8, 3], layers: [
            Conv2D(filters: 4, kernelSize: 3, activation: .relu), MaxPool2D(poolSize: 2), Flatten(),
            Dense(units: 16, activation: .relu), Dropout(rate: 0.1), Dense(units: 3, activation: .softmax),
        ], seed: 4)
        let images = randomTensor([6, 8, 8, 3], seed: 5)
        let labels: [Int32] = [0, 1, 2, 2, 1, 0]
        let optimizer = Adam(learningRate: 0.01)
        let first = model.trainStep(images: images, labels: labels, optimizer: optimizer, dropoutSeed: 0)
        #expect(first.loss > 0.8, "an untrained 3-class model starts near ln 3")
        for step in 1..<150 {
            _ = model.trainStep(images: images, labels: labels, optimizer: optimizer, dropoutSeed: UInt64(step))
        }
        let (loss, probabilities) = model.evaluate(images: images, labels: labels)
        #expect(loss < 0.05)
        #expect(Sequential.correctCount(probabilities, labels: labels) == 6)
        #expect(optimizer.iterations == 150)
        #expect(model.parameters.allSatisfy { $0.gradient != nil })
    }

    @Test func aMixUpStepTrainsOnBlendedRowsWithMixedLabels() {
        // loss = mean_r λ_r·(−log p_r[label_r]) + (1 − λ_r)·(−log p_r[label of partner_r]), p = softmax of the
        // blended rows (no dropout, so the training pass equals predict); accuracy by the larger share's label.
        let model = Sequential(inputShape: [4], layers: [Dense(units: 5, activation: .relu), Dense(units: 3, activation: .softmax)], seed: 2)
        let images = randomTensor([4, 4], seed: 6, scale: 2)
        let labels: [Int32] = [0, 1, 2, 1]
        let mixUp = MixUp(partners: [1, 2, 0, 3], weights: [0.3, 0.8, 0.5, 1])
        let p = model.predict(images.blendingRows(partners: mixUp.partners, weights: mixUp.weights)).scalars
        var expected = 0.0
        for row in 0..<4 {
            let (own, other) = (Int(labels[row]), Int(labels[mixUp.partners[row]]))
            let λ = Double(mixUp.weights[row])
            expected += -λ * log(Double(p[row * 3 + own])) - (1 - λ) * log(Double(p[row * 3 + other]))
        }
        let dominant = mixUp.dominantLabels(labels)
        #expect(dominant == [1, 1, 2, 1])
        let result = model.trainStep(images: images, labels: labels, optimizer: Adam(), dropoutSeed: 0, mixUp: mixUp)
        #expect(abs(Double(result.loss) - expected / 4) < 1e-6)
        let predicted = (0..<4).map { row in (0..<3).max { p[row * 3 + $0] < p[row * 3 + $1] }! }
        #expect(result.correct == zip(predicted, dominant).filter { $0 == Int($1) }.count)
    }

    @Test func aMixUpThatKeepsEveryRowIsAPlainStep() {
        func trained(_ mixUp: MixUp?) -> [Tensor] {
            let model = Sequential(inputShape: [6], layers: [Dense(units: 4, activation: .relu), Dropout(rate: 0.3),
                                                             Dense(units: 3, activation: .softmax)], seed: 8)
            let optimizer = Adam(learningRate: 0.01)
            for step in 0..<3 {
                _ = model.trainStep(images: randomTensor([5, 6], seed: 9), labels: [0, 2, 1, 1, 0], optimizer: optimizer,
                                    dropoutSeed: UInt64(step), loss: CrossEntropyOptions(labelSmoothing: 0.1), mixUp: mixUp)
            }
            return model.parameters.map(\.value)
        }
        #expect(trained(MixUp(partners: [4, 3, 2, 1, 0], weights: [1, 1, 1, 1, 1])) == trained(nil))
    }

    @Test func mixUpDrawsAPermutationAndBetaWeightsFromItsSeed() {
        var generator = SeededGenerator(seed: 5)
        let draw = MixUp.draw(rows: 32, alpha: 0.2, using: &generator)
        #expect(draw.partners.sorted() == Array(0..<32))
        #expect(draw.weights.allSatisfy { $0 >= 0 && $0 <= 1 })
        var again = SeededGenerator(seed: 5)
        #expect(MixUp.draw(rows: 32, alpha: 0.2, using: &again) == draw)
        // Beta(0.2, 0.2) is U-shaped: most rows keep most of themselves or of their partner.
        #expect(draw.weights.filter { $0 < 0.1 || $0 > 0.9 }.count > 16)
    }

    @Test func frozenParametersAreNotUpdated() {
        let model = Sequential(inputShape: [4], layers: [Dense(units: 3), Dense(units: 2, activation: .softmax)], seed: 1)
        let frozen = model.parameters[0]
        frozen.isTrainable = false
        let before = frozen.value
        _ = model.trainStep(images: randomTensor([2, 4], seed: 3), labels: [0, 1], optimizer: Adam(), dropoutSeed: 0)
        #expect(frozen.value == before && frozen.gradient == nil)
        #expect(model.trainableParameterCount == model.parameterCount - 12)
    }
}

/// Every kernel variant slices the matrix products' K alike and sums each output in the same order, so a
/// seed trains the same model on an AVX2 machine as on an AVX-512 one.
@Test func trainingIsBitIdenticalOnEveryKernelVariant() {
    let images = randomTensor([8, 36, 36, 3], seed: 7)  // Dense input 7·7·64 = 3,136: many K slices
    let labels: [Int32] = [0, 1, 2, 3, 0, 1, 2, 3]
    let runs = Kernels.Variant.allCases.map { variant in
        Kernels.withVariant(variant) { () -> (losses: [UInt32], weights: [UInt32]) in
            let model = task1Network(inputSize: 36, classes: 4, seed: 11)
            let optimizer = Adam(learningRate: 1e-3)
            let losses = (0..<3).map { step in
                model.trainStep(images: images, labels: labels, optimizer: optimizer, dropoutSeed: UInt64(step)).loss
            }
            let probabilities = model.predict(images)
            return (losses.map(\.bitPattern),
                    (model.parameters.flatMap(\.value.scalars) + probabilities.scalars).map(\.bitPattern))
        }
    }
    for run in runs.dropFirst() {
        #expect(run.losses == runs[0].losses)
        #expect(run.weights == runs[0].weights)
    }
}

@Suite struct TrainingStepMemoryTests {
    /// After two warm-up steps, a training step takes all its memory from the pool's cache, including a
    /// short last batch.
    @Test func trainingStepAllocatesNothingAfterWarmUp() {
        let pool = BufferPool()
        pool.activate {
            let model = task1Network(inputSize: 20, classes: 3)
            let optimizer = Adam(learningRate: 1e-3)
            var generator = SeededGenerator(seed: 5)
            func batch(_ size: Int) -> (Tensor, [Int32]) {
                let images = Tensor(shape: [size, 20, 20, 3], scalars: (0..<size * 1200).map { _ in
                    Float.random(in: 0..<1, using: &generator)
                })
                return (images, (0..<size).map { Int32($0 % 3) })
            }
            let (images, labels) = batch(16)
            let (shortImages, shortLabels) = batch(15)
            // Warm-up: Adam's moments, made at the end of the first step, take some of the blocks it freed.
            _ = model.trainStep(images: images, labels: labels, optimizer: optimizer, dropoutSeed: 1)
            _ = model.trainStep(images: images, labels: labels, optimizer: optimizer, dropoutSeed: 2)
            let afterWarmUp = pool.statistics
            #expect(afterWarmUp.freshAllocations > 20)
            _ = model.trainStep(images: images, labels: labels, optimizer: optimizer, dropoutSeed: 3)
            _ = model.trainStep(images: shortImages, labels: shortLabels, optimizer: optimizer, dropoutSeed: 4)
            let after = pool.statistics
            #expect(after.freshAllocations == afterWarmUp.freshAllocations)
            #expect(after.reusedAllocations > afterWarmUp.reusedAllocations + 40)
        }
    }
}
