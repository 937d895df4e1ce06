// Our ONNX serialisation against the onnx package's: the same model gives the same bytes as
// Fixtures/tiny.onnx (written by onnx 1.23 with onnx.helper; see Fixtures/make_fixtures.py), and our reader
// reads that file back into the same values. Plus the reader's errors.

import Foundation
import Testing
import EmotionTestSupport
@testable import EmotionExport

/// The model make_fixtures.py builds, as our values.
private func tinyModel() -> ONNX.Model {
    let node = { (name: String, opType: String, inputs: [String], output: String, attributes: [ONNX.Attribute]) in
        ONNX.Node(name: name, opType: opType, inputs: inputs, outputs: [output], attributes: attributes)
    }
    let nodes = [
        node("preprocessing/Mul", "Mul", ["input", "preprocessing.multiplier"], "preprocessing/Mul", []),
        node("preprocessing/Transpose", "Transpose", ["preprocessing/Mul"], "preprocessing/Transpose",
             [ONNX.Attribute("perm", .ints([0, 3, 1, 2]))]),
        node("conv/Conv", "Conv", ["preprocessing/Transpose", "conv.weight", "conv.bias"], "conv/Conv", [
            ONNX.Attribute("kernel_shape", .ints([3, 3])), ONNX.Attribute("pads", .ints([0, 0, 1, 1])),
            ONNX.Attribute("strides", .ints([2, 2])),
        ]),
        node("conv/Clip", "Clip", ["conv/Conv", "relu6.min", "relu6.max"], "conv/Clip", []),
        node("pool/GlobalAveragePool", "GlobalAveragePool", ["conv/Clip"], "pool/GlobalAveragePool", []),
        node("pool/Flatten", "Flatten", ["pool/GlobalAveragePool"], "pool/Flatten", [ONNX.Attribute("axis", .int(1))]),
        node("output/Softmax", "Softmax", ["pool/Flatten"], "probabilities", [ONNX.Attribute("axis", .int(1))]),
    ]
    let graph = ONNX.Graph(
        name: "tiny", nodes: nodes,
        initializers: [
            ONNX.Initializer(name: "preprocessing.multiplier", dims: [], values: [Float(1.0 / 255.0)]),
            ONNX.Initializer(name: "conv.weight", dims: [2, 3, 3, 3], values: (0..<54).map { Float($0) / 10 - 2 }),
            ONNX.Initializer(name: "conv.bias", dims: [2], values: [0.5, -0.25]),
            ONNX.Initializer(name: "relu6.min", dims: [], values: [0]),
            ONNX.Initializer(name: "relu6.max", dims: [], values: [6]),
        ],
        inputs: [ONNX.ValueInfo(name: "input", shape: [.symbolic("N"), .fixed(4), .fixed(4), .fixed(3)])],
        outputs: [ONNX.ValueInfo(name: "probabilities", shape: [.symbolic("N"), .fixed(2)])])
    return ONNX.Model(producerName: "emotion", producerVersion: "0.1.0", docString: "a tiny test model", graph: graph,
                      metadata: [("class_names", "[\"a\",\"b\"]"), ("architecture", "tiny")])
}

private func fixture() throws -> [UInt8] {
    [UInt8](try Data(contentsOf: RepositoryPaths.fixtures().appendingPathComponent("tiny.onnx")))
}

@Suite struct ONNXWireFormatTests {
    @Test func writesTheBytesTheOnnxPackageWrites() throws {
        let expected = try fixture()
        let bytes = tinyModel().serialized()
        #expect(bytes.count == expected.count)
        let firstDifference = bytes.indices.first { $0 < expected.count && bytes[$0] != expected[$0] }
        #expect(firstDifference == nil, "first differing byte at \(firstDifference ?? -1)")
    }

    @Test func readsTheOnnxPackagesFile() throws {
        let model = try ONNX.Model(serialized: try fixture())
        #expect(model == tinyModel())
        #expect(model.irVersion == 7 && model.opsetImports.map(\.version) == [13])
        #expect(model.metadata("class_names") == "[\"a\",\"b\"]")
        #expect(model.graph.initializer(named: "conv.weight")?.values[53] == 53 / Float(10) - 2)
        #expect(model.graph.producer(of: "probabilities")?.opType == "Softmax")
    }

    @Test func roundTripsThroughOurOwnReader() throws {
        var model = tinyModel()
        model.graph.initializers.append(ONNX.Initializer(name: "extremes", dims: [4],
                                                         values: [-0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -3.5]))
        let read = try ONNX.Model(serialized: model.serialized())
        #expect(read == model)
        #expect(read.graph.initializer(named: "extremes")?.values[0].sign == .minus)
    }

    @Test func reportsTruncatedAndForeignFiles() throws {
        let bytes = try fixture()
        #expect(throws: ONNXReadError.self) { try ONNX.Model(serialized: Array(bytes.dropLast(3))) }
        #expect(throws: ONNXReadError.missingField(message: "ModelProto", field: "ir_version")) {
            try ONNX.Model(serialized: [])
        }
        // An int64 initialiser (data_type 7) is not one we write.
        var writer = ProtobufWriter()
        writer.int(1, 7)
        writer.message(7) { graph in
            graph.message(5) { tensor in
                tensor.int(1, 1)
                tensor.int(2, 7)
                tensor.string(8, "steps")
            }
        }
        #expect(throws: ONNXReadError.unsupportedTensor(name: "steps", reason: "data type 7, not FLOAT (1)")) {
            try ONNX.Model(serialized: writer.bytes)
        }
    }
}
