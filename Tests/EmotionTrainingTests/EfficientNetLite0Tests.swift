// efficientnet-lite0 against the pretrained weights and sample logits of ../shared/backbones (skipped when
// absent), and the architecture against timm on deterministic weights (committed fixture, always runs).

import Foundation
import EmotionTestSupport
import Testing
import EmotionTraining
import EmotionNN
import ImageCodecs

enum BackbonePaths {
    static let shared = RepositoryPaths.backbones
    static let lite0Weights = RepositoryPaths.lite0Weights
    static let samples = shared.appendingPathComponent("samples")
    static var hasLite0: Bool { FileManager.default.fileExists(atPath: lite0Weights.path) }
    static let fixtures = RepositoryPaths.fixtures().appendingPathComponent("backbones")
}

/// The RGB bytes of a binary PPM (P6, maxval 255) with exactly one whitespace byte after each header field.
func readPPM(_ url: URL) throws -> (width: Int, height: Int, pixels: [UInt8]) {
    let bytes = [UInt8](try Data(contentsOf: url))
    var fields: [String] = []
    var index = 0
    while fields.count < 4 {
        var field = ""
        while index < bytes.count, !(bytes[index] == 0x20 || bytes[index] == 0x0A) {
            field.append(Character(UnicodeScalar(bytes[index])))
            index += 1
        }
        index += 1
        fields.append(field)
    }
    let (width, height) = (Int(fields[1])!, Int(fields[2])!)
    return (width, height, Array(bytes[index..<(index + width * height * 3)]))
}

/// |a − e| ≤ 1e-3 · max(|e|, 1): the README's tolerance (relative, with an absolute floor of 1e-3 near 0).
func withinReadmeTolerance(_ actual: Float, _ expected: Float) -> Bool {
    abs(actual - expected) <= 1e-3 * max(abs(expected), 1)
}

@Suite("efficientnet-lite0")
struct EfficientNetLite0Tests {
    @Test("architecture: 4,652,008 parameters (timm's count), timm names, 1280 features")
    func architecture() {
        let model = EfficientNetLite0.make(classes: 1000)
        let learnable = model.parameters.filter { !$0.name.hasSuffix("running_mean") && !$0.name.hasSuffix("running_var") }
        #expect(learnable.reduce(0) { $0 + $1.count } == 4_652_008)
        #expect(model.parameters.count == 247)
        #expect(model.outputShape(forInputShape: [224, 224, 3]) == [7, 7, 1280])
        #expect(model.blocks.map(\.name).last == "blocks.6.0")
        #expect(model.blocks.filter(\.hasSkip).count == 9)
    }

    @Test("chelsea_224.ppm gives the README's logits and features",
          .enabled(if: BackbonePaths.hasLite0, "skipped: ../shared/backbones/efficientnet_lite0.safetensors not found"))
    func chelseaLogits() throws {
        let model = EfficientNetLite0.make(classes: 1000)
        let report = try model.loadTimmWeights(from: BackbonePaths.lite0Weights)
        #expect(report.isExact && report.loaded.count == 247, "\(report)")
        let image = try readPPM(BackbonePaths.samples.appendingPathComponent("chelsea_224.ppm"))
        let input = EfficientNet.normalizedPixels(image.pixels, shape: [1, image.height, image.width, 3])
        let features = model.features(Variable(input), mode: .inference).value
        let logits = model.classifier!.logits(Variable(features), mode: .inference).value.scalars
        let expectedFirst: [Float] = [-0.556169, 1.43191, -1.83249, -0.609578, -0.407174]
        for (actual, expected) in zip(logits.prefix(5), expectedFirst) {
            #expect(withinReadmeTolerance(actual, expected), "logit \(actual) vs \(expected)")
        }
        let top: [(Int, Float)] = [(282, 9.23556), (285, 9.13806), (281, 8.39529), (287, 5.92267), (904, 3.41091)]
        let ranked = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5)
        #expect(Array(ranked) == top.map(\.0))
        for (index, expected) in top {
            #expect(withinReadmeTolerance(logits[index], expected), "logit[\(index)] \(logits[index]) vs \(expected)")
        }
        let pooled = features.scalars
        for (actual, expected) in zip(pooled.prefix(5), [Float(0.110608), 0.0180166, 0.0, 0.415355, 1.43977]) {
            #expect(withinReadmeTolerance(actual, expected), "feature \(actual) vs \(expected)")
        }
        #expect(withinReadmeTolerance(pooled.reduce(0, +) / 1280, 0.127215))
    }

    @Test("coffee_224.png (our PNG decoder) gives the README's logits; chelsea_224.png decodes to the PPM's pixels",
          .enabled(if: BackbonePaths.hasLite0, "skipped: ../shared/backbones/efficientnet_lite0.safetensors not found"))
    func coffeeLogits() throws {
        let chelseaPNG = try decodeImage([UInt8](Data(contentsOf: BackbonePaths.samples.appendingPathComponent("chelsea_224.png"))))
        let chelseaPPM = try readPPM(BackbonePaths.samples.appendingPathComponent("chelsea_224.ppm"))
        #expect(chelseaPNG.rgb().pixels == chelseaPPM.pixels)

        let model = EfficientNetLite0.make(classes: 1000)
        try model.loadTimmWeights(from: BackbonePaths.lite0Weights)
        let image = try decodeImage([UInt8](Data(contentsOf: BackbonePaths.samples.appendingPathComponent("coffee_224.png")))).rgb()
        let input = EfficientNet.normalizedPixels(image.pixels, shape: [1, image.height, image.width, 3])
        let logits = model.logits(Variable(input), mode: .inference).value.scalars
        for (actual, expected) in zip(logits.prefix(5), [Float(0.661305), 0.364327, -0.603574, 1.00162, -0.503677]) {
            #expect(withinReadmeTolerance(actual, expected), "logit \(actual) vs \(expected)")
        }
        let top: [(Int, Float)] = [(967, 11.4122), (968, 7.26976), (925, 6.56624), (960, 5.95831), (504, 5.77186)]
        #expect(Array(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5)) == top.map(\.0))
        for (index, expected) in top {
            #expect(withinReadmeTolerance(logits[index], expected), "logit[\(index)] \(logits[index]) vs \(expected)")
        }
    }
}
