// Tests of `emotion finetune`: usage and input errors exit 2 with a clear message, and, when the shared
// Lite0 weights are present, one head epoch on a tiny synthetic set whose saved folder `evaluate` reads
// back with the same accuracy.

import Foundation
import EmotionTestSupport
import Testing

private let lite0Weights = RepositoryPaths.lite0Weights

@Suite struct FinetuneCommandTests {
    @Test(arguments: [
        (["--backbone", "efficientnet-lite0", "--weights", "missing.safetensors"], "does not exist or cannot be read"),
        (["--backbone", "efficientnet-lite0", "--weights", "w", "--unfreeze", "some"], "'--unfreeze' expects none, all"),
        (["--backbone", "efficientnet-lite0", "--weights", "w", "--unfreeze", "0"], "'--unfreeze' expects none, all"),
        (["--backbone", "resnet50", "--weights", "w"], "'--backbone' expects one of efficientnet-lite0, efficientnetv2-b3"),
        (["--backbone", "efficientnet-lite0"], "missing required option '--weights <file>'"),
    ])
    func badArgumentsExitTwo(arguments: [String], message: String) throws {
        let result = try Emotion.run(["finetune"] + arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func weightsThatAreNotSafetensorsExitTwo() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try Data("not a safetensors file".utf8).write(to: temporary.url.appendingPathComponent("bad.safetensors"))
        let result = try Emotion.run(
            ["finetune", "--backbone", "efficientnet-lite0", "--weights", "bad.safetensors", "--data", "nowhere"],
            in: temporary.url)
        #expect(result.status == 2)
        #expect(result.stderr.contains("Error: "), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: temporary.path("Models")))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: lite0Weights.path),
                   "tiny finetune run skipped: ../shared/backbones/efficientnet_lite0.safetensors not found"))
    func oneHeadEpochOnATinySetSavesAFolderThatEvaluates() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let run = { (arguments: [String]) in try Emotion.run(arguments, in: temporary.url) }
        let synth = try run(["synth", "--output", "faces", "--per-class", "6", "--size", "64", "--seed", "2"])
        #expect(synth.status == 0, "\(synth.stderr)")

        let finetune = try run([
            "finetune", "--backbone", "efficientnet-lite0", "--weights", lite0Weights.path, "--data", "faces",
            "--epochs", "1", "--image-size", "64", "--batch-size", "8", "--output", "Models/lite0",
            "--unfreeze", "none", "--augment", "none", "--lr-schedule", "constant", "--label-smoothing", "0", "--class-weight", "none",
        ])
        #expect(finetune.status == 0, "\(finetune.stderr)")
        let lines = finetune.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 9, "\(finetune.stdout)")
        #expect(Array(lines[0..<3]) == [
            "Found 36 files belonging to 6 classes.", "Using 29 files for training.", "Using 7 files for validation.",
        ])
        #expect(lines[3] == "Loaded \(245) backbone tensors from \(lite0Weights.path).")
        #expect(lines[4].hasPrefix("Extracted 36 x 1280 backbone features in "))
        #expect(lines[5] == "Epoch 1/1")
        #expect(lines[6].wholeMatch(of: #/4/4 - .* - accuracy: [\d.e+-]+ - loss: [\d.e+-]+ - val_accuracy: [\d.e+-]+ - val_loss: [\d.e+-]+/#) != nil,
                "\(lines[6])")
        let testLine = try #require(lines[7].wholeMatch(of: #/Test Accuracy: (\d\.\d{3})/#), "\(lines[7])")
        #expect(lines[8] == "Saved model to Models/lite0")

        let folder = temporary.url.appendingPathComponent("Models/lite0")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            == ["config.json", "history.csv", "history.svg", "model.safetensors"])
        let config = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"scale\" : \"symmetric\"") && config.contains("\"input_shape\" : [\n    64,"))
        #expect(config.contains("\"unfreeze\" : \"none\""))

        // The whole saved model on images reproduces the head's accuracy on cached features.
        let evaluate = try run(["evaluate", "--model", "Models/lite0", "--format", "json"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        #expect(report["count"] as? Int == 7)
        let accuracy = try #require(report["accuracy"] as? Double)
        #expect(String(format: "%.3f", accuracy) == String(testLine.1))
    }
}
