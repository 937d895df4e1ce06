// The exported graphs, read back with our reader: structure (operators, layouts, attributes), shapes,
// metadata and initialiser values against the model's weights (kernels transposed, batch norms folded), and
// the graph run by a naive interpreter against the Swift model, for a Task 1 CNN, EfficientNet-Lite0 and
// EfficientNetV2-B3 with random batch-norm statistics. The onnxruntime comparison of real model folders is
// Benchmarks/export/check_onnx.py.

import Foundation
import Testing
import EmotionTestSupport
import EmotionNN
import EmotionTraining
@testable import EmotionExport

private func config(architecture: String, size: Int, classes: [String], scale: InputScale) -> ModelConfig {
    ModelConfig(
        architecture: architecture, inputShape: [size, size, 3], classNames: classes,
        preprocessing: Preprocessing(height: size, width: size, scale: scale),
        training: TrainingSettings(
            architecture: architecture, data: "Data", epochs: 1, batchSize: 8, learningRate: 0.001,
            validationSplit: 0.2, seed: 1, inputScale: scale, classNames: nil))
}

/// Exports, serialises and reads back: what a file on disk holds.
private func exportedFile(_ model: Sequential, _ config: ModelConfig) throws -> ONNX.Model {
    try ONNX.Model(serialized: try ONNXExporter.export(model, config: config).serialized())
}

/// Random pixels 0...255, NHWC.
private func randomPixels(count: Int, size: Int, seed: UInt64) -> Tensor {
    randomTensor([count, size, size, 3], seed: seed, scale: 127.5).adding(127.5)
}

private extension Tensor {
    func adding(_ offset: Float) -> Tensor { Tensor(shape: shape, scalars: scalars.map { $0 + offset }) }
}

/// Runs the exported graph on `pixels` with the reference interpreter and the Swift model on the same
/// pixels preprocessed as the config says; returns the largest logit and probability differences relative
/// to the largest logit magnitude (at least 1).
private func compare(_ onnx: ONNX.Model, _ model: Sequential, _ config: ModelConfig, pixels: Tensor) throws
    -> (logits: Float, probabilities: Float) {
    let values = try evaluate(onnx.graph, inputs: [
        ONNXExporter.inputName: ReferenceValue(shape: pixels.shape, values: pixels.scalars),
    ])
    let softmax = try #require(onnx.graph.producer(of: ONNXExporter.outputName))
    let onnxLogits = try #require(values[softmax.inputs[0]])
    let onnxProbabilities = try #require(values[ONNXExporter.outputName])
    let scale = config.preprocessing.scale
    let input = Tensor(shape: pixels.shape, scalars: pixels.scalars.map { $0 * scale.multiplier + scale.offset })
    let logits = model.logits(Variable(input), mode: .inference).value
    let probabilities = model.predict(input)
    #expect(onnxLogits.shape == logits.shape && onnxProbabilities.shape == probabilities.shape)
    let magnitude = max(1, logits.scalars.map(abs).max() ?? 0)
    let logitDifference = zip(onnxLogits.values, logits.scalars).map { abs($0 - $1) }.max() ?? .infinity
    let probabilityDifference = zip(onnxProbabilities.values, probabilities.scalars).map { abs($0 - $1) }.max() ?? .infinity
    return (logitDifference / magnitude, probabilityDifference)
}

/// Random batch-norm statistics and affine parameters (a fresh backbone has the identity), so that folding
/// them is tested.
private func randomizeBatchNorms(_ backbone: EfficientNet, seed: UInt64) {
    for (index, norm) in backbone.batchNorms.enumerated() {
        let channels = norm.weight!.value.count
        let base = seed &+ UInt64(index) * 4
        norm.weight!.value = randomTensor([channels], seed: base, scale: 0.5).adding(1)
        norm.bias!.value = randomTensor([channels], seed: base + 1, scale: 0.1)
        norm.runningMean!.value = randomTensor([channels], seed: base + 2, scale: 0.1)
        norm.runningVariance!.value = randomTensor([channels], seed: base + 3, scale: 0.5).adding(1)
    }
}

@Suite struct ONNXExporterTests {
    @Test func task1CNNGraphShapesAndWeights() throws {
        let model = Task1CNN.make(inputSize: 20, classes: 3, seed: 5)
        let configuration = config(architecture: "task1-small", size: 20, classes: ["anger", "happy", "sad"], scale: .unit)
        let onnx = try exportedFile(model, configuration)
        let graph = onnx.graph

        #expect(onnx.opsetImports.map(\.version) == [13] && onnx.producerName == "emotion")
        #expect(graph.nodes.map(\.opType) == [
            "Mul", "Transpose", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Transpose", "Flatten", "Gemm",
            "Relu", "Gemm", "Softmax",
        ])
        #expect(graph.inputs == [ONNX.ValueInfo(name: "input", shape: [.symbolic("N"), .fixed(20), .fixed(20), .fixed(3)])])
        #expect(graph.outputs == [ONNX.ValueInfo(name: "probabilities", shape: [.symbolic("N"), .fixed(3)])])
        #expect(graph.nodes.first?.inputs == ["input", "preprocessing.multiplier"])
        #expect(graph.initializer(named: "preprocessing.multiplier")?.values == [Float(1.0 / 255.0)])
        #expect(graph.nodes[1].attribute("perm") == .ints([0, 3, 1, 2]))
        #expect(graph.nodes[8].attribute("perm") == .ints([0, 2, 3, 1]), "Keras flattens NHWC")
        #expect(graph.nodes[2].attribute("pads") == .ints([0, 0, 0, 0]))

        // Conv kernels: ONNX [o, i, y, x] is our HWIO [y, x, i, o].
        let conv = try #require(model.layers[3] as? Conv2D)
        let kernel = try #require(conv.kernel?.value)
        let weight = try #require(graph.initializer(named: "\(conv.name).weight"))
        #expect(weight.dims == [64, 32, 3, 3])
        let (height, width, inputs, outputs) = (3, 3, 32, 64)
        var mismatches = 0
        for o in 0..<outputs { for i in 0..<inputs { for y in 0..<height { for x in 0..<width {
            let ours = kernel.scalars[((y * width + x) * inputs + i) * outputs + o]
            if weight.values[((o * inputs + i) * height + y) * width + x] != ours { mismatches += 1 }
        } } } }
        #expect(mismatches == 0)
        #expect(graph.initializer(named: "\(conv.name).bias")?.values == conv.bias?.value.scalars)
        // Dense kernels go in unchanged ([in, out] is Gemm's B).
        for dense in model.layers.compactMap({ $0 as? Dense }) {
            #expect(graph.initializer(named: "\(dense.name).kernel")?.values == dense.kernel?.value.scalars)
            #expect(graph.initializer(named: "\(dense.name).kernel")?.dims == dense.kernel?.value.shape)
            #expect(graph.initializer(named: "\(dense.name).bias")?.values == dense.bias?.value.scalars)
        }

        let classNames = try JSONSerialization.jsonObject(with: Data(try #require(onnx.metadata("class_names")).utf8))
        #expect(classNames as? [String] == ["anger", "happy", "sad"])
        let preprocessingText = try #require(onnx.metadata("preprocessing"))
        let preprocessing = try #require(try JSONSerialization.jsonObject(with: Data(preprocessingText.utf8)) as? [String: Any])
        #expect(preprocessing["input_scale"] as? String == "unit" && preprocessing["height"] as? Int == 20)
        #expect(onnx.metadata("architecture") == "task1-small")

        let difference = try compare(onnx, model, configuration, pixels: randomPixels(count: 2, size: 20, seed: 9))
        #expect(difference.logits < 1e-5 && difference.probabilities < 1e-6, "\(difference)")
    }

    @Test func rawInputHasNoScalingNodes() throws {
        let model = Task1CNN.make(inputSize: 12, classes: 2, seed: 2)
        let configuration = config(architecture: "task1-small", size: 12, classes: ["a", "b"], scale: .raw)
        let onnx = try exportedFile(model, configuration)
        #expect(onnx.graph.nodes.first?.opType == "Transpose" && onnx.graph.nodes.first?.inputs == ["input"])
        #expect(onnx.graph.initializer(named: "preprocessing.multiplier") == nil)
        // 0-255 inputs make large logits (the probabilities are 0 and 1): the logits show the agreement.
        let difference = try compare(onnx, model, configuration, pixels: randomPixels(count: 2, size: 12, seed: 3))
        #expect(difference.logits < 1e-5, "\(difference)")
    }

    /// A model whose recipe predicts with flip TTA: the graph runs each image and its mirror (a MatMul with
    /// the anti-diagonal) as one batch, splits the probabilities and averages them, as `emotion predict` does.
    @Test func flipTTAGraphAveragesEachImageAndItsMirror() throws {
        let model = Task1CNN.make(inputSize: 12, classes: 3, seed: 4)
        var configuration = config(architecture: "task1-small", size: 12, classes: ["a", "b", "c"], scale: .unit)
        configuration.training.recipe = TrainingRecipe(tta: .flip)
        let onnx = try exportedFile(model, configuration)
        #expect(onnx.metadata.first { $0.key == ONNXExporter.MetadataKey.tta }?.value == "flip")
        let mirror = try #require(onnx.graph.initializer(named: "tta.mirror"))
        #expect(mirror.dims == [12, 12] && mirror.values.reduce(0, +) == 12 && mirror.values[11] == 1 && mirror.values[132] == 1)
        #expect(onnx.graph.nodes.map(\.opType).filter { ["MatMul", "Concat", "Split"].contains($0) } == ["MatMul", "Concat", "Split"])

        let pixels = randomPixels(count: 3, size: 12, seed: 5)
        let values = try evaluate(onnx.graph, inputs: [
            ONNXExporter.inputName: ReferenceValue(shape: pixels.shape, values: pixels.scalars),
        ])
        let exported = try #require(values[ONNXExporter.outputName])
        let input = Tensor(shape: pixels.shape, scalars: pixels.scalars.map { $0 / 255 })
        let expected = TestTimeAugmentation.flip.probabilities(of: model, input)
        #expect(exported.shape == [3, 3])
        #expect(zip(exported.values, expected.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
        // Not the plain probabilities: the mirror counts.
        #expect(zip(exported.values, model.predict(input).scalars).contains { abs($0 - $1) > 1e-4 })
    }

    @Test func efficientNetLite0FoldsBatchNormsAndMatchesTheModel() throws {
        let classifier = ModelZoo.makeBackboneClassifier(backbone: .lite0, classes: 4, seed: 3, imageSize: 40)
        randomizeBatchNorms(classifier.backbone, seed: 100)
        let configuration = config(architecture: "efficientnet-lite0", size: 40, classes: ["a", "b", "c", "d"],
                                   scale: .symmetric)
        let onnx = try exportedFile(classifier.model, configuration)
        let graph = onnx.graph
        let operators = graph.nodes.map(\.opType)
        // The stem, every conv of every block and the head conv: one Conv each, with its batch norm folded in.
        let convolutions = 2 + classifier.backbone.blocks.reduce(0) { $0 + $1.layers.count }
        #expect(operators.filter { $0 == "Conv" }.count == convolutions)
        #expect(!operators.contains("BatchNormalization"))
        #expect(operators.filter { $0 == "Transpose" }.count == 1, "NCHW from the first conv to the pooling")
        // The input's offset (v/127.5 − 1), then one per residual block.
        #expect(operators.filter { $0 == "Add" }.count == 1 + classifier.backbone.blocks.filter(\.hasSkip).count)
        #expect(Array(operators.prefix(3)) == ["Mul", "Add", "Transpose"])
        #expect(graph.initializer(named: "preprocessing.offset")?.values == [-1])

        // The stem: 3x3 stride 2 on 40 pixels, TensorFlow SAME: one pixel of padding at the bottom and right.
        let stem = try #require(graph.nodes.first { $0.name == "conv_stem/Conv" })
        #expect(stem.attribute("pads") == .ints([0, 0, 1, 1]) && stem.attribute("strides") == .ints([2, 2]))
        // Folded weights and bias, computed here in Double: w · γ/√(σ² + ε) and β − μ · γ/√(σ² + ε).
        let unit = classifier.backbone.stem, norm = unit.norm
        let (gamma, beta) = (norm.weight!.value.scalars, norm.bias!.value.scalars)
        let (mean, variance) = (norm.runningMean!.value.scalars, norm.runningVariance!.value.scalars)
        let scale = gamma.indices.map { Double(gamma[$0]) / (Double(variance[$0]) + Double(norm.epsilon)).squareRoot() }
        let kernel = unit.kernel!.value.scalars  // [3, 3, 3, 32]
        let weight = try #require(graph.initializer(named: "conv_stem.weight"))
        #expect(weight.dims == [32, 3, 3, 3])
        var largestError = 0.0
        for o in 0..<32 { for i in 0..<3 { for y in 0..<3 { for x in 0..<3 {
            let expected = Double(kernel[((y * 3 + x) * 3 + i) * 32 + o]) * scale[o]
            largestError = max(largestError, abs(Double(weight.values[((o * 3 + i) * 3 + y) * 3 + x]) - expected))
        } } } }
        let bias = try #require(graph.initializer(named: "conv_stem.bias")).values
        for o in 0..<32 {
            largestError = max(largestError, abs(Double(bias[o]) - (Double(beta[o]) - Double(mean[o]) * scale[o])))
        }
        #expect(largestError < 1e-6)
        // A depthwise unit: one group per channel, weights [C, 1, k, k].
        let depthwise = try #require(graph.nodes.first { $0.name == "blocks.2.0.conv_dw/Conv" })
        #expect(depthwise.attribute("group") == .int(144) && depthwise.attribute("kernel_shape") == .ints([5, 5]))
        #expect(graph.initializer(named: "blocks.2.0.conv_dw.weight")?.dims == [144, 1, 5, 5])
        #expect(graph.nodes.contains { $0.opType == "Clip" && $0.inputs.dropFirst() == ["relu6.min", "relu6.max"] })

        let difference = try compare(onnx, classifier.model, configuration, pixels: randomPixels(count: 2, size: 40, seed: 4))
        #expect(difference.logits < 1e-4 && difference.probabilities < 1e-5, "\(difference)")
    }

    @Test func efficientNetV2B3SqueezeExcitationAndSiLUMatchTheModel() throws {
        let classifier = ModelZoo.makeBackboneClassifier(backbone: .v2B3, classes: 3, seed: 8, imageSize: 40)
        randomizeBatchNorms(classifier.backbone, seed: 200)
        let configuration = config(architecture: "efficientnetv2-b3", size: 40, classes: ["a", "b", "c"],
                                   scale: .symmetric)
        let onnx = try exportedFile(classifier.model, configuration)
        let operators = onnx.graph.nodes.map(\.opType)
        let excitations = classifier.backbone.blocks.filter { $0.layers.contains { $0 is SqueezeExcitation } }.count
        // Squeeze-and-excitation: mean over the image, two 1x1 convs with biases, a sigmoid gate.
        #expect(operators.filter { $0 == "GlobalAveragePool" }.count == excitations + 1)
        // Block 3.0: 56 channels in, expanded 4x to 224, squeezed to 56 / 4 = 14.
        #expect(onnx.graph.initializer(named: "blocks.3.0.se.conv_reduce.bias")?.dims == [14])
        #expect(onnx.graph.initializer(named: "blocks.3.0.se.conv_expand.weight")?.dims == [224, 14, 1, 1])
        #expect(!operators.contains("Clip") && operators.contains("Sigmoid"))

        let difference = try compare(onnx, classifier.model, configuration, pixels: randomPixels(count: 1, size: 40, seed: 6))
        #expect(difference.logits < 1e-4 && difference.probabilities < 1e-5, "\(difference)")
    }

    @Test func namesLayersItCannotExport() throws {
        let model = Sequential(inputShape: [4, 4, 3], layers: [ReLU6(), Flatten(), Dense(units: 2, activation: .softmax)])
        let configuration = config(architecture: "custom", size: 4, classes: ["a", "b"], scale: .unit)
        #expect(throws: ONNXExportError.unsupportedLayer(name: "re_lu6", type: "ReLU6")) {
            try ONNXExporter.export(model, config: configuration)
        }
        let three = Sequential(inputShape: [4, 4, 3], layers: [Flatten(), Dense(units: 3, activation: .softmax)])
        #expect(throws: ONNXExportError.notAClassifier(outputShape: [3], classes: 2)) {
            try ONNXExporter.export(three, config: configuration)
        }
    }
}
