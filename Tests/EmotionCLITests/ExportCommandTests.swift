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
        let folder = temporary.url.appendingPathComponent("model")
        let model = try ModelZoo.make(name: "task1-small", classes: 2, seed: 4)
        let config = ModelConfig(
            architecture: "task1-small", inputShape: [100, 100, 3], classNames: ["happy", "sad"],
            preprocessing: Preprocessing(height: 100, width: 100, scale: .raw),
            training: TrainingSettings(
                architecture: "task1-small", data: "Data", epochs: 1, batchSize: 8, learningRate: 0.001,
                validationSplit: 0.2, seed: 4, inputScale: .raw, classNames: nil))
        try ModelStore.save(model, config: config, history: History(), to: folder)

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
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let result = try Emotion.run(arguments, in: temporary.url)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("Error: ") && result.stderr.contains(message), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("USAGE: emotion export") == showsUsage)
        #expect(!FileManager.default.fileExists(atPath: temporary.url.appendingPathComponent("x.onnx").path))
    }
}
