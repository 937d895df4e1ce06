// BackboneClassifier: the Task 2 model (backbone + GAP → Dense(128, relu) → Dropout(0.5) → Dense(softmax)),
// its head-only view on cached features, freezing and partial unfreezing (small 32x32 inputs).

import Testing
@testable import EmotionTraining
import EmotionNN

@Suite("BackboneClassifier")
struct EfficientNetClassifierHeadTests {
    static func images(_ count: Int, size: Int = 32) -> Tensor {
        Tensor(shape: [count, size, size, 3], scalars: hashedUniform("images", count: count * size * size * 3))
    }

    @Test("the head view shares the model's head parameters and matches it on cached features")
    func headView() throws {
        let net = try ModelZoo.makeBackboneClassifier(name: "efficientnet-lite0", classes: 6, seed: 3, imageSize: 32)
        #expect(net.model.layers.map(\.kerasClassName) == ["Functional", "GlobalAveragePooling2D", "Dense", "Dropout", "Dense"])
        #expect(net.head.parameters.map { ObjectIdentifier($0) } == net.model.parameters.suffix(4).map { ObjectIdentifier($0) })
        #expect(net.model.outputShape == [6] && net.head.inputShape == [1, 1, 1280])
        // Frozen on creation: only the head trains.
        #expect(net.model.trainableParameterCount == 1280 * 128 + 128 + 128 * 6 + 6)

        let batch = Self.images(3)
        let features = net.extractFeatures(batch, batchSize: 2)
        #expect(features.shape == [3, 1, 1, 1280])
        let direct = net.backbone.features(Variable(batch), mode: .inference).value
        #expect(zip(features.scalars, direct.scalars).allSatisfy { abs($0 - $1) <= 1e-6 })
        let viaHead = net.head.predict(features).scalars, viaModel = net.model.predict(batch).scalars
        #expect(zip(viaHead, viaModel).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    @Test("unfreezing the top unit trains conv_head/bn2 only; frozen batch norms keep their statistics")
    func unfreezeTop() throws {
        let net = ModelZoo.makeBackboneClassifier(backbone: .lite0, classes: 3, seed: 4, imageSize: 32)
        net.unfreezeBackbone(topUnits: 1)
        let trainable = Set(net.model.parameters.filter(\.isTrainable).map(\.name))
        #expect(trainable.isSuperset(of: ["conv_head.weight", "bn2.weight", "bn2.bias", "dense.kernel"]))
        #expect(!trainable.contains("bn2.running_var") && !trainable.contains("blocks.6.0.conv_pwl.weight"))
        let parameters = Dictionary(uniqueKeysWithValues: net.model.parameters.map { ($0.name, $0) })
        let before = ["conv_head.weight", "blocks.6.0.conv_pwl.weight", "bn2.running_mean"].map { parameters[$0]!.value }
        _ = net.model.trainStep(images: Self.images(2), labels: [0, 2], optimizer: Adam(), dropoutSeed: 1)
        let after = ["conv_head.weight", "blocks.6.0.conv_pwl.weight", "bn2.running_mean"].map { parameters[$0]!.value }
        #expect(before[0] != after[0])
        #expect(before[1] == after[1] && before[2] == after[2])

        net.unfreezeBackbone(topUnits: nil, trainBatchNormStatistics: true)
        #expect(net.model.trainableParameterCount == net.model.parameterCount
            - net.backbone.batchNorms.reduce(0) { $0 + 2 * $1.weight!.count })
        #expect(net.backbone.batchNorms.allSatisfy { !$0.usesRunningStatistics })
    }

    @Test("the top-units view on cached activations computes the model and trains the model's own weights")
    func topUnitsView() throws {
        let net = ModelZoo.makeBackboneClassifier(backbone: .lite0, classes: 3, seed: 5, imageSize: 32)
        let before = net.model.parameters.map(\.value)
        let tail = net.tail(topUnits: 3)
        #expect(net.model.parameters.map(\.value) == before, "building the view must not re-initialise weights")
        #expect(tail.layers.map { ObjectIdentifier($0) }
            == (net.backbone.units.suffix(3) + net.model.layers.dropFirst()).map { ObjectIdentifier($0) })
        #expect(tail.parameters.map { ObjectIdentifier($0) }
            == net.model.parameters.suffix(tail.parameters.count).map { ObjectIdentifier($0) })
        let batch = Self.images(3)
        let entering = net.activations(enteringTopUnits: 3, of: batch, batchSize: 2)
        #expect(entering.shape == [3] + tail.inputShape)
        #expect(tail.inputShape == [1, 1, 192])  // 32x32 input, stride 32; blocks.5.3 takes 192 channels
        let viaTail = tail.predict(entering).scalars, viaModel = net.model.predict(batch).scalars
        #expect(zip(viaTail, viaModel).allSatisfy { abs($0 - $1) <= 1e-5 })

        net.unfreezeBackbone(topUnits: 3)
        let topWeight = try #require(net.model.parameters.first { $0.name == "conv_head.weight" })
        let frozenWeight = try #require(net.model.parameters.first { $0.name == "conv_stem.weight" })
        let (topBefore, frozenBefore) = (topWeight.value, frozenWeight.value)
        _ = tail.trainStep(images: entering, labels: [0, 1, 2], optimizer: Adam(), dropoutSeed: 1)
        #expect(topWeight.value != topBefore && frozenWeight.value == frozenBefore)
    }

    @Test("fine-tuning runs on cached activations unless they are larger than the images")
    func unitsRunPerStep() {
        let net = ModelZoo.makeBackboneClassifier(backbone: .lite0, classes: 3, seed: 5, imageSize: 224)
        #expect(net.backboneUnitCount == 18)
        #expect(net.unitsRunPerStep(unfreezing: 1) == 1)  // 7x7x320 < 224x224x3
        #expect(net.unitsRunPerStep(unfreezing: 12) == 12)  // 28x28x40 = 31,360 < 150,528
        #expect(net.unitsRunPerStep(unfreezing: 14) == 14)  // 56x56x24 = 75,264
        #expect(net.unitsRunPerStep(unfreezing: 16) == 18)  // 112x112x16 > 150,528: train on the images
        #expect(net.unitsRunPerStep(unfreezing: 99) == 18)
        #expect(net.tail(topUnits: 18).inputShape == [224, 224, 3])
    }
}
