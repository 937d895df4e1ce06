// Tests of the transfer-learning pieces: --unfreeze parsing, the config.json additions (old configs still
// load), the v/127.5 − 1 preprocessing, cached features equal to the full model's path, and a backbone
// model folder at a non-default image size saved and rebuilt by ModelStore.

import Foundation
import EmotionTestSupport
import Testing
import EmotionNN
import ImageCodecs
@testable import EmotionTraining

@Suite struct TransferTests {
    @Test func unfreezeChoiceParsesAndRoundTrips() throws {
        #expect(UnfreezeChoice(argument: "none") == UnfreezeChoice.none)
        #expect(UnfreezeChoice(argument: "all") == .all)
        #expect(UnfreezeChoice(argument: "20") == .top(20))
        for bad in ["0", "-3", "some", ""] { #expect(UnfreezeChoice(argument: bad) == nil, "\(bad)") }
        #expect(UnfreezeChoice.none.topUnits == nil)
        #expect(UnfreezeChoice.all.topUnits == .some(nil))
        #expect(UnfreezeChoice.top(3).topUnits == .some(3))
        let settings = FineTuneSettings(weights: "w.safetensors", imageSize: 64, unfreeze: .top(4), fineTuneEpochs: 2,
                                        fineTuneLearningRate: 1e-5)
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        #expect(json.contains("\"unfreeze\":\"4\""))
        #expect(try JSONDecoder().decode(FineTuneSettings.self, from: Data(json.utf8)) == settings)
    }

    @Test func configsWithoutFineTuningStillLoad() throws {
        let config = ModelConfig(
            architecture: "task1-small", inputShape: [100, 100, 3], classNames: ["a", "b"],
            preprocessing: Preprocessing(height: 100, width: 100),
            training: TrainingSettings(architecture: "task1-small", data: "Data", epochs: 1, batchSize: 8,
                                       learningRate: 0.001, validationSplit: 0.2, seed: 5, inputScale: .unit,
                                       classNames: nil))
        let encoded = try config.encoded()
        #expect(!String(decoding: encoded, as: UTF8.self).contains("fine_tuning"))
        #expect(try ModelConfig.decoded(from: encoded).fineTuning == nil)
    }

    @Test func symmetricScaleMapsPixelsToMinusOneToOne() {
        let image = Image(width: 1, height: 2, channels: 3, pixels: [0, 255, 51, 127, 128, 255])
        let input = Preprocessing(height: 2, width: 1, scale: .symmetric).modelInput(from: image)
        let expected: [Float] = [-1, 1, 51 / 127.5 - 1, 127 / 127.5 - 1, 128 / 127.5 - 1, 1]
        #expect(zip(input, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(input)")
    }

    /// A random-weight Lite0 classifier at 32×32: the head on cached features gives the full model's
    /// probabilities, and a saved folder at that size is rebuilt by ModelStore with the same outputs.
    @Test func cachedFeaturesMatchTheModelAndTheFolderReloads() throws {
        let classifier = ModelZoo.makeBackboneClassifier(backbone: .lite0, classes: 3, seed: 9, imageSize: 32)
        var generator = SeededGenerator(seed: 4)
        let images = Tensor(shape: [3, 32, 32, 3], scalars: (0..<(3 * 32 * 32 * 3)).map { _ in
            Float.random(in: -1...1, using: &generator)
        })
        let cached = FrozenBackboneCache(classifier, images: images, labels: [0, 1, 2], batchSize: 2)
        #expect(cached.features.shape == [3, 1, 1, classifier.backbone.featureCount] && cached.entering == nil)
        let withTop = FrozenBackboneCache(classifier, images: images, labels: [0, 1, 2], unitsPerStep: 4, batchSize: 2)
        #expect(withTop.entering?.shape == [3] + classifier.tail(topUnits: 4).inputShape)
        #expect(zip(withTop.features.scalars, cached.features.scalars).allSatisfy { abs($0 - $1) <= 1e-6 })
        let viaHead = classifier.head.predict(cached.features)
        let direct = classifier.model.predict(images)
        #expect(viaHead.shape == [3, 3])
        let difference = zip(viaHead.scalars, direct.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference < 1e-5)

        let temporary = try TemporaryFolder()
        defer { withExtendedLifetime(temporary) {} }
        let folder = temporary.url.appendingPathComponent("model")
        let config = ModelConfig(
            architecture: "efficientnet-lite0", inputShape: [32, 32, 3], classNames: ["a", "b", "c"],
            preprocessing: Preprocessing(height: 32, width: 32, scale: .symmetric),
            training: TrainingSettings(architecture: "efficientnet-lite0", data: "Data", epochs: 1, batchSize: 2,
                                       learningRate: 0.001, validationSplit: 0.2, seed: 9, inputScale: .symmetric,
                                       classNames: nil),
            fineTuning: FineTuneSettings(weights: "w", imageSize: 32, unfreeze: .none, fineTuneEpochs: 0,
                                         fineTuneLearningRate: 1e-5))
        try ModelStore.save(classifier.model, config: config, history: History(), to: folder)
        let saved = try ModelStore.load(from: folder)
        #expect(saved.config == config)
        let reloaded = saved.model.predict(images)
        #expect(zip(reloaded.scalars, direct.scalars).allSatisfy { $0 == $1 })
    }
}

@Suite struct AugmentationTests {
    @Test func mirroringReversesEveryRowOfPixels() {
        // 1 image, 2 rows, 3 pixels, 2 channels: pixel (y, x) holds [10y + x, -(10y + x)].
        let scalars: [Float] = [0, -0, 1, -1, 2, -2, 10, -10, 11, -11, 12, -12]
        let mirrored = mirroredLeftToRight(Tensor(shape: [1, 2, 3, 2], scalars: scalars))
        #expect(mirrored.shape == [1, 2, 3, 2])
        #expect(mirrored.scalars == [2, -2, 1, -1, 0, -0, 12, -12, 11, -11, 10, -10])
        #expect(Augmentation.flip.views(of: mirrored).count == 2 && Augmentation.none.views(of: mirrored).count == 1)
    }

    /// Each epoch shows every sample once, in one of its views; over epochs both views appear.
    @Test func trainerDrawsOneViewPerSamplePerEpoch() {
        // Two views of four one-value samples (rows 0-3, then their second views in rows 4-7).
        let model = Sequential(inputShape: [1], layers: [Dense(units: 2, activation: .softmax)], seed: 1)
        let trainer = Trainer(model: model, learningRate: 0.001, batchSize: 8, seed: 3)
        let inputs = Tensor(shape: [8, 1], scalars: [0, 1, 2, 3, 100, 101, 102, 103])
        let labels: [Int32] = [0, 1, 0, 1]
        var seenViews = Set<Int>()
        for epoch in 1...6 {
            let metrics = trainer.trainEpoch(epoch, images: inputs, labels: labels, views: 2) { _ in }
            #expect(metrics.loss.isFinite)
            let rows = Trainer.epochRows(epoch, seed: trainer.seed, count: 4, views: 2)
            #expect(Set(rows.map { $0 % 4 }) == [0, 1, 2, 3], "every sample once per epoch")
            seenViews.formUnion(rows.map { $0 / 4 })
        }
        #expect(seenViews == [0, 1])
        #expect(Trainer.epochRows(1, seed: 3, count: 4, views: 1).sorted() == [0, 1, 2, 3])
    }
}
