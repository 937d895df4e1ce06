// Both EfficientNets against timm on deterministic weights: every timm tensor is filled by an integer hash
// of its name (recomputed here exactly as make_backbone_fixtures.py does), loaded through the timm loader,
// and the pooled features and logits of one odd-sized image (45x67: asymmetric SAME padding at every
// stride-2 layer) are compared with timm's, stored in a small committed fixture. Also the parameter counts.

import Foundation
import Testing
@testable import EmotionTraining
import EmotionNN

/// The fixture generator's `hashed_uniform`: splitmix64((fnv1a(name) << 32) + i), top 24 bits → [-1, 1),
/// mapped by `transform` (a plain loop over a buffer: test code is built without optimisation).
func hashedUniform(_ name: String, count: Int, _ transform: (Double) -> Float = { Float($0) }) -> [Float] {
    var hash: UInt32 = 0x811C_9DC5
    for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
    let base = UInt64(hash) << 32
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        var index = 0
        while index < count {
            var z = base &+ UInt64(index) &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            buffer[index] = transform(2 * (Double(z >> 40) / 16_777_216) - 1)
            index += 1
        }
        initialized = count
    }
}

/// The generator's `hashed_value` of timm tensor `name` of timm `shape`.
func hashedTimmTensor(_ name: String, shape: [Int]) -> Tensor {
    let leaf = name.split(separator: ".").last.map(String.init) ?? name
    let count = shape.reduce(1, *)
    let values: [Float]
    switch leaf {
    case "running_var": values = hashedUniform(name, count: count) { Float(1 + 0.5 * $0) }
    case "running_mean", "bias": values = hashedUniform(name, count: count) { Float(0.1 * $0) }
    default:
        if shape.count == 1 {
            values = hashedUniform(name, count: count) { Float(1 + 0.2 * $0) }
        } else {
            let scale = (3.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot()
            values = hashedUniform(name, count: count) { Float($0 * scale) }
        }
    }
    return Tensor(shape: shape, scalars: values)
}

/// The timm name and shape of each of our parameters (the inverse of `EfficientNet.timmToNative`).
func timmEntries(of model: EfficientNet) -> [(name: String, shape: [Int])] {
    model.parameters.map { parameter in
        let s = parameter.value.shape
        if parameter.name == "classifier.kernel" { return ("classifier.weight", [s[1], s[0]]) }
        if s.count == 4 && parameter.name.hasSuffix("conv_dw.weight") { return (parameter.name, [s[2], 1, s[0], s[1]]) }
        if s.count == 4 { return (parameter.name, [s[3], s[2], s[0], s[1]]) }
        return (parameter.name, s)
    }
}

@Suite("EfficientNets vs timm on hashed weights")
struct EfficientNetTimmFixtureTests {
    static func check(_ model: EfficientNet, fixture: String, learnableCount: Int) throws {
        let contents = try SafeTensors.read(contentsOf: BackbonePaths.fixtures.appendingPathComponent(fixture))
        let learnable = model.parameters.filter { !$0.name.hasSuffix("running_mean") && !$0.name.hasSuffix("running_var") }
        #expect(learnable.reduce(0) { $0 + $1.count } == learnableCount)
        #expect(Int(try #require(contents["parameter_count"]).scalar) == learnableCount)

        let tensors = timmEntries(of: model).map { (name: $0.name, tensor: hashedTimmTensor($0.name, shape: $0.shape)) }
        let report = try model.loadTimmWeights(tensors, strict: true, file: fixture)
        #expect(report.isExact)

        let shape = try #require(contents["input_shape"]).scalars.map { Int($0) }
        let input = Tensor(shape: shape, scalars: hashedUniform("input", count: shape.reduce(1, *)))
        let features = model.features(Variable(input), mode: .inference).value
        let logits = model.classifier!.logits(Variable(features), mode: .inference).value
        let expectedFeatures = try #require(contents["features"])
        let expectedLogits = try #require(contents["logits"])
        #expect(features.shape == expectedFeatures.shape && logits.shape == expectedLogits.shape)
        let featureError = zip(features.scalars, expectedFeatures.scalars).map { abs($0 - $1) }.max() ?? .infinity
        let logitError = zip(logits.scalars, expectedLogits.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(featureError < 1e-4, "features differ from timm by up to \(featureError)")
        #expect(logitError < 1e-4, "logits differ from timm by up to \(logitError)")
    }

    @Test("efficientnet-lite0 = timm tf_efficientnet_lite0")
    func lite0() throws {
        try Self.check(EfficientNetLite0.make(classes: 1000), fixture: "tf_efficientnet_lite0_hashed.safetensors",
                       learnableCount: 4_652_008)
    }

    @Test("efficientnetv2-b3 = timm tf_efficientnetv2_b3 (14,358,406 parameters)")
    func v2b3() throws {
        let model = EfficientNetV2B3.make(classes: 1000)
        #expect(model.blocks.count == 32 && model.featureCount == 1536)
        try Self.check(model, fixture: "tf_efficientnetv2_b3_hashed.safetensors", learnableCount: 14_358_406)
    }

    @Test("loading reports missing, unexpected and wrongly shaped tensors by name")
    func loadReport() throws {
        let model = EfficientNetLite0.make()
        var tensors = timmEntries(of: model).map { (name: $0.name, tensor: hashedTimmTensor($0.name, shape: $0.shape)) }
        tensors.removeAll { $0.name == "bn2.running_var" }
        tensors.append((name: "blocks.9.0.conv_pw.weight", tensor: Tensor(shape: [1])))
        let index = try #require(tensors.firstIndex { $0.name == "conv_head.weight" })
        tensors[index].tensor = Tensor(shape: [1280, 320, 3, 3])
        #expect(throws: WeightLoadingError.self) { try model.loadTimmWeights(tensors, strict: true, file: "f") }
        let report = try model.loadTimmWeights(tensors, strict: false, file: "f")
        #expect(report.missing == ["bn2.running_var"])
        #expect(report.unexpected == ["blocks.9.0.conv_pw.weight"])
        #expect(report.mismatched.map(\.name) == ["conv_head.weight"])
        #expect(report.mismatched.first?.found == [3, 3, 320, 1280])
    }
}
