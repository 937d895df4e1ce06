// `emotion export` run as a child process on a saved task1-small model: the file it writes is read back
// with our ONNX reader; usage and input errors exit 2.

import Foundation
import EmotionExport
import EmotionTestSupport
import EmotionTraining
import Testing

@Suite struct ExportCommandTests {
    @Test func writesAnONNXFileOfTheModel() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let model = try saveRandomTask1Model(to: temporary.url.appendingPathComponent("model"), classes: ["happy", "sad"],
                                             seed: 4, scale: .raw)

        let result = try Emotion.run(["export", "--model", "model", "--output", "model.onnx"], in: temporary.url)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("Wrote model.onnx ("), "stdout: \(result.stdout)")
        #expect(result.stdout.contains("input 'input' float32 [N, 100, 100, 3] RGB 0-255, output 'probabilities' float32 [N, 2]"))
        let bytes = try Data(contentsOf: temporary.url.appendingPathComponent("model.onnx"))
        let onnx = try ONNX.Model(serialized: [UInt8](bytes))
        #expect(onnx.graph.inputs.first?.shape == [.symbolic("N"), .fixed(100), .fixed(100), .fixed(3)])
        #expect(onnx.graph.outputs.first?.shape == [.symbolic("N"), .fixed(2)])
        #expect(onnx.metadata("class_names") == "[\"happy\",\"sad\"]")
        let dense = try #require(model.layers.last as? Dense)
        #expect(onnx.graph.initializer(named: "\(dense.name).kernel")?.values == dense.kernel?.value.scalars)
    }

    @Test(arguments: [
        (["export", "--model", "m", "--output", "x.onnx", "--format", "tflite"],
         "'--format' expects one of onnx, got 'tflite'", true),
        (["export", "--model", "m"], "missing required option '--output <file>'", true),
        (["export", "--model", "no-such-model", "--output", "x.onnx"],
         "no-such-model does not exist", false),
    ])
    func badArgumentsExitTwo(arguments: [String], message: String, showsUsage: Bool) throws {
        try Emotion.expectError(arguments, message: message, showsUsage: showsUsage)
    }
}
