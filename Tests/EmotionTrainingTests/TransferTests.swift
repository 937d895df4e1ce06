// Tests of the transfer-learning pieces: --unfreeze parsing, the config.json additions (old configs still
// load), the v/127.5 − 1 preprocessing, cached features equal to the full model's path, streamed images
// equal to cached ones, and a backbone model folder at a non-default image size saved and rebuilt by ModelStore.

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

    /// A random-weight Lite0 classifier at 32×32, written as a timm weights file: the frozen pass of
    /// `TransferLearning` feeds the head exactly what the full model computes (with and without a cached
    /// fine-tuning boundary, mirrored views included), and a saved folder at that size is rebuilt by ModelStore
    /// with the same outputs.
    @Test func theFrozenPassFeedsTheHeadWhatTheModelComputes() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let (folder, reference, weights) = try writeColourPhotosAndWeights(to: temporary, count: 4)
        let flip = ImageAugmentation(flip: RandomFlip())
        for (unfreeze, augmentation) in [(UnfreezeChoice.none, ImageAugmentation.none), (.top(3), flip)] {
            let settings = TrainingSettings(
                architecture: "efficientnet-lite0", data: "data", epochs: 1, batchSize: 2, learningRate: 0.001,
                validationSplit: 0.4, seed: 9, inputScale: .symmetric, classNames: nil,
                recipe: TrainingRecipe(augment: augmentation))
            let fineTuning = FineTuneSettings(weights: weights.path, imageSize: 32, unfreeze: unfreeze, fineTuneEpochs: 1,
                                              fineTuneLearningRate: 1e-5)
            let job = try TransferLearning(
                backbone: .lite0, settings: settings, fineTuning: fineTuning, data: TrainingData(folder: folder),
                images: ImagePipelineOptions(warn: { _ in }))
            #expect(job.weightReport.missing.isEmpty && job.weightReport.mismatched.isEmpty)
            let (run, pass) = try job.makeRun()
            let views = augmentation.isNone ? 1 : 2
            #expect(pass.views == views && job.viewCount == views)
            #expect(pass.imageCount == views * folder.training.count + folder.validation.count)
            #expect(run.phases.count == (unfreeze == .none ? 1 : 2))

            // The training images that decode, as the model sees them, mirrored for the second view.
            let usable = folder.training.filter { !$0.relativePath.hasSuffix("broken.png") }
            let loader = ImageLoader(preprocessing: job.preprocessing, warn: { _ in })
            let images = try #require(loader.batches(of: usable, batchSize: 10).next()).inputs
            let source = try #require(run.phases[0].training as? TensorRowSource)
            #expect(source.labels == usable.map { Int32($0.label) })
            #expect(source.views == views)
            let direct = job.model.predict(images)
            let viaHead = job.classifier.head.predict(source.rows.rows(Array(0..<usable.count)))
            #expect(maxAbsoluteDifference(viaHead, direct) < 1e-5)
            if augmentation == flip {
                var mirrored = images
                mirrored.withUnsafeMutableBufferPointer { buffer in
                    for image in 0..<usable.count {
                        mirrorLeftToRight(buffer.baseAddress! + image * 32 * 32 * 3, height: 32, width: 32, channels: 3)
                    }
                }
                let mirroredViaHead = job.classifier.head.predict(source.rows.rows(Array(usable.count..<(2 * usable.count))))
                #expect(maxAbsoluteDifference(mirroredViaHead, job.model.predict(mirrored)) < 1e-5)
            }
            if unfreeze != .none {
                let tailSource = try #require(run.phases[1].training as? TensorRowSource)
                let viaTail = run.phases[1].model.predict(tailSource.rows.rows(Array(0..<usable.count)))
                #expect(maxAbsoluteDifference(viaTail, direct) < 1e-5)
            }
        }

        let modelFolder = temporary.url.appendingPathComponent("model")
        let config = ModelConfig(
            architecture: "efficientnet-lite0", inputShape: [32, 32, 3], classNames: ["a", "b"],
            preprocessing: Preprocessing(height: 32, width: 32, scale: .symmetric),
            training: TrainingSettings(
                architecture: "efficientnet-lite0", data: "data", epochs: 1, batchSize: 2, learningRate: 0.001,
                validationSplit: 0.4, seed: 9, inputScale: .symmetric, classNames: nil),
            fineTuning: FineTuneSettings(weights: "w", imageSize: 32, unfreeze: .none, fineTuneEpochs: 0,
                                         fineTuneLearningRate: 1e-5))
        try ModelStore.save(reference.model, config: config, history: History(), to: modelFolder)
        let saved = try ModelStore.load(from: modelFolder)
        #expect(saved.config == config)
        let probe = randomTensor([2, 32, 32, 3], seed: 4)
        #expect(saved.model.predict(probe) == reference.model.predict(probe))
    }

    @Test func trainingTheWholeBackboneStreamsTheViewsACacheWouldHold() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let (folder, _, weights) = try writeColourPhotosAndWeights(to: temporary, count: 12)
        let augmentation = ImageAugmentation(flip: RandomFlip(), grayscale: RandomGrayscale(factor: 0.5))
        let settings = TrainingSettings(
            architecture: "efficientnet-lite0", data: "data", epochs: 1, batchSize: 3, learningRate: 0.001,
            validationSplit: 0.4, seed: 9, inputScale: .symmetric, classNames: nil, recipe: TrainingRecipe(augment: augmentation))
        let fineTuning = FineTuneSettings(weights: weights.path, imageSize: 32, unfreeze: .all, fineTuneEpochs: 1,
                                          fineTuneLearningRate: 1e-5, augmentViews: 4)
        let job = try TransferLearning(
            backbone: .lite0, settings: settings, fineTuning: fineTuning, data: TrainingData(folder: folder),
            images: ImagePipelineOptions(warn: { _ in }))
        let (run, _) = try job.makeRun()
        let streamed = try #require(run.phases[1].training as? ImageViewSource)
        let streamedValidation = try #require(run.phases[1].validation as? ImageViewSource)

        // What caching every view would hold: the usable training images (the broken one left out) in each view,
        // view v of sample i in row v·n + i, drawn from as phase 2 draws (its seed is the run's plus 1).
        let loader = ImageLoader(preprocessing: job.preprocessing, warn: { _ in })
        let viewRows = (0..<4).map { view in
            loader.batches(of: folder.training, batchSize: 100, augment: job.viewTransform(view)).next()!.inputs
        }
        let usable = folder.training.indices.filter { !folder.training[$0].relativePath.hasSuffix("broken.png") }
        #expect(streamed.positions == usable && streamed.views == 4)
        let greyed = (1..<4).contains { viewRows[$0] != viewRows[0] } // the views differ, so the draws matter
        #expect(greyed)
        let cached = TensorRowSource(
            rows: Tensor(shape: [4 * usable.count, 32, 32, 3], scalars: viewRows.flatMap(\.scalars)),
            labels: usable.map { Int32(folder.training[$0].label) }, views: 4, seed: 9 &+ 1)
        let order = Array((0..<usable.count).reversed())
        for epoch in 0...3 {
            for first in [0, 1] {
                let fromFiles = Array(streamed.batches(order: order, batchSize: 3, epoch: epoch, startingAt: first))
                let fromRows = Array(cached.batches(order: order, batchSize: 3, epoch: epoch, startingAt: first))
                #expect(fromFiles.map(\.inputs) == fromRows.map(\.inputs), "epoch \(epoch) from batch \(first)")
                #expect(fromFiles.map(\.labels) == fromRows.map(\.labels))
            }
        }
        let validationImages = loader.batches(of: folder.validation, batchSize: 100).next()!.inputs
        #expect(Array(streamedValidation.evaluationBatches(batchSize: 100)).map(\.inputs) == [validationImages])
    }

    @Test func weightsOfAnotherBackboneAreRefusedByName() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try temporary.write("data/a/1.png", PNG.encode(Image(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])))
        try temporary.write("data/b/1.png", PNG.encode(Image(width: 2, height: 2, channels: 1, pixels: [4, 3, 2, 1])))
        let weights = temporary.url.appendingPathComponent("v2.safetensors")
        try writeTimmWeights(of: ModelZoo.Backbone.v2B3.make(), to: weights)
        let folder = try ImageFolder(root: temporary.url.appendingPathComponent("data"), validationSplit: 0)
        let settings = TrainingSettings(
            architecture: "efficientnet-lite0", data: "data", epochs: 1, batchSize: 2, learningRate: 0.001,
            validationSplit: 0, seed: 9, inputScale: .symmetric, classNames: nil)
        let fineTuning = FineTuneSettings(weights: weights.path, imageSize: 32, unfreeze: .none, fineTuneEpochs: 1,
                                          fineTuneLearningRate: 1e-5)
        do {
            _ = try TransferLearning(backbone: .lite0, settings: settings, fineTuning: fineTuning, data: TrainingData(folder: folder),
                                     images: ImagePipelineOptions(warn: { _ in }))
            Issue.record("V2-B3 weights were accepted as Lite0's")
        } catch let error as TransferLearningError {
            #expect(error.description.hasPrefix("\(weights.path) does not hold the efficientnet-lite0 backbone: "))
            #expect(error.description.contains("conv_stem.weight"))
        }
    }
}

/// `count` photos of two classes (a and b, alternately) in `temporary`/data plus one broken PNG in a, the
/// folder split 60/40, and a Lite0 classifier for 32x32 input whose backbone weights are written in timm's
/// layout beside them.
private func writeColourPhotosAndWeights(
    to temporary: TemporaryFolder, count: Int
) throws -> (folder: ImageFolder, reference: BackboneClassifier, weights: URL) {
    let colours: [[UInt8]] = [[200, 30, 30], [30, 200, 30], [30, 30, 200], [120, 120, 20]]
    for index in 0..<count {
        let colour = colours[index % colours.count]
        let pixels = (0..<(40 * 36)).flatMap { pixel in colour.map { UInt8((Int($0) + pixel * 7 + index) % 256) } }
        try temporary.write("data/\(["a", "b"][index % 2])/\(index).png", PNG.encode(Image(width: 40, height: 36, channels: 3, pixels: pixels)))
    }
    try temporary.write("data/a/broken.png", [0x89, 0x50, 0x4E, 0x47])
    let reference = ModelZoo.makeBackboneClassifier(backbone: .lite0, classes: 2, seed: 9, imageSize: 32)
    let weights = temporary.url.appendingPathComponent("lite0.safetensors")
    try writeTimmWeights(of: reference.backbone, to: weights)
    let folder = try ImageFolder(root: temporary.url.appendingPathComponent("data"), validationSplit: 0.4, seed: 1)
    return (folder, reference, weights)
}

/// Writes `backbone`'s parameters as timm names them and lays them out (OIHW conv kernels, [C, 1, kh, kw]
/// depthwise kernels): the inverse of `EfficientNet.timmToNative`.
private func writeTimmWeights(of backbone: EfficientNet, to url: URL) throws {
    let tensors = backbone.parameters.map { parameter -> (name: String, tensor: Tensor) in
        let value = parameter.value
        guard value.rank == 4 else { return (parameter.name, value) }
        if parameter.name.hasSuffix("conv_dw.weight") && value.shape[3] == 1 {
            return (parameter.name, value.reshaped(to: [value.shape[0], value.shape[1], 1, value.shape[2]])
                .permuted([3, 2, 0, 1]))
        }
        return (parameter.name, value.permuted([3, 2, 0, 1]))
    }
    try SafeTensors.write(SafeTensors.Contents(tensors: tensors, metadata: [:]), to: url)
}


@Suite struct AugmentationTests {
    @Test func mirroringReversesEveryRowOfPixels() {
        // 2 rows, 3 pixels, 2 channels: pixel (y, x) holds [10y + x, -(10y + x)].
        var pixels: [Float] = [0, -0, 1, -1, 2, -2, 10, -10, 11, -11, 12, -12]
        pixels.withUnsafeMutableBufferPointer { mirrorLeftToRight($0.baseAddress!, height: 2, width: 3, channels: 2) }
        #expect(pixels == [2, -2, 1, -1, 0, -0, 12, -12, 11, -11, 10, -10])
    }
}
