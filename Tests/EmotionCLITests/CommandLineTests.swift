// Tests of the built `emotion` executable run as a child process: exit codes, help, error messages and
// the JSON of `dataset` and `evaluate`, plus end-to-end runs (synth → train → evaluate, and one epoch on
// a 100-image subset of ../shared/data/faces6 when it exists).

import Foundation
import EmotionKernels
import EmotionTestSupport
import Testing

/// `<repo>/../shared/data/faces6`, located from this file, never from the working directory.
private let faces6 = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/data/faces6")

private func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// A metric as Keras prints it: `0.2532`, or `1.2000e-04` / `0.0000e+00` at or below 1e-3.
private func kerasFormat(_ value: Double) -> String {
    abs(value) > 1e-3 ? String(format: "%.4f", value) : String(format: "%.4e", value)
}

/// The lines of `text` without the final empty one.
private func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
}

@Suite struct HelpAndUsageErrors {
    @Test func helpListsTheCommandsAndExitsZero() throws {
        let result = try Emotion.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        for command in ["train", "evaluate", "summary", "dataset", "synth"] {
            #expect(result.stdout.contains("\n  \(command) "), "emotion --help lacks \(command)")
        }
    }

    @Test func commandHelpDocumentsEveryFlag() throws {
        let result = try Emotion.run(["train", "--model", "task1-small", "--help"])
        #expect(result.status == 0)
        for flag in ["--model", "--data", "--epochs", "--batch-size", "--learning-rate", "--validation-split",
                     "--seed", "--input-scale", "--class-names", "--output", "-h, --help"] {
            #expect(result.stdout.contains(flag), "train --help lacks \(flag)")
        }
        let evaluate = try Emotion.run(["evaluate", "-h"])
        #expect(evaluate.status == 0)
        #expect(evaluate.stdout.contains("--min-accuracy <x>"))
        let version = try Emotion.run(["--version"]).stdout
        let variant = Kernels.detectedVariant
        #expect(version == "emotion 0.1.0\nbuild target CPU: \(Kernels.buildTargetCPU); kernels: \(variant.rawValue) "
            + "(\(variant.vectorWidth)-wide vectors, \(variant.tileShape.rows)x\(variant.tileShape.columns) tiles) on "
            + "\(Kernels.cpuModelName)\n", "\(version)")
    }

    @Test(arguments: [
        (["train", "--model", "task1-small", "--bogus"], "Error: unknown option '--bogus'", true),
        (["train", "--model"], "Error: missing value for '--model'", true),
        (["train", "--model", "task1-small", "--epochs", "zero"],
         "Error: '--epochs' expects an integer of at least 1, got 'zero'", true),
        (["train", "--model", "task1-small", "--validation-split", "1"],
         "Error: '--validation-split' expects a number with 0 <= split < 1, got '1'", true),
        (["finetune", "--backbone", "efficientnet-lite0", "--weights", "w", "--mixup", "-0.2"],
         "Error: '--mixup' expects a number of at least 0, got '-0.2'", true),
        (["train", "--model", "task1-small", "--gce", "1.5"], "Error: '--gce' expects a number from 0 to 1, got '1.5'", true),
        (["train", "--model", "task1-huge"], "Error: '--model' expects one of task1-small, task1-large, got 'task1-huge'", true),
        (["train", "--epochs", "2"], "Error: missing required option '--model <name>'", true),
        (["evaluate", "--model", "m", "--format", "xml"], "Error: '--format' expects one of text, json, got 'xml'", true),
        (["frobnicate"], "Error: unknown command 'frobnicate'", false),
        ([], "Error: missing command", false),
    ])
    func usageErrorsExitTwoWithTheUsage(arguments: [String], message: String, commandUsage: Bool) throws {
        let result = try Emotion.run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix(message + "\n"), "stderr: \(result.stderr)")
        let usage = commandUsage ? "USAGE: emotion \(arguments[0]) " : "USAGE: emotion <command> [options]"
        #expect(result.stderr.contains(usage), "stderr: \(result.stderr)")
    }

    @Test func missingInputsExitTwoWithoutUsage() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let train = try Emotion.run(["train", "--model", "task1-small", "--data", "no-such-folder"], in: temporary.url)
        #expect(train.status == 2)
        #expect(train.stderr == "Error: the data folder \(temporary.path("no-such-folder")) does not exist\n")
        // Without --data, the demo folder Data/ of the working directory is meant.
        let defaultData = try Emotion.run(["dataset"], in: temporary.url)
        #expect(defaultData.status == 2)
        #expect(defaultData.stderr == "Error: the data folder \(temporary.path("Data")) does not exist: run emotion "
            + "from the repository folder, which has the demo set Data/, or pass --data DIR\n")
        let evaluate = try Emotion.run(["evaluate", "--model", "no-model"], in: temporary.url)
        #expect(evaluate.status == 2)
        #expect(evaluate.stderr.hasPrefix("Error: the model folder \(temporary.path("no-model")) does not exist"))
    }

    @Test func summaryPrintsTheKerasTable() throws {
        let result = try Emotion.run(["summary", "--model", "task1-large"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("│ conv2d (Conv2D)                 │ (None, 222, 222, 32)   │           896 │"))
        #expect(result.stdout.contains(" Total params: 23,908,166 (91.20 MB)"))
        let three = try Emotion.run(["summary", "--model", "task1-small", "--classes", "3"])
        #expect(three.stdout.contains("│ dense_1 (Dense)                 │ (None, 3)              │           387 │"))
    }
}

@Suite struct EndToEnd {
    /// synth → dataset → train one epoch → evaluate, in a temporary folder.
    @Test func synthTrainEvaluate() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let run = { (arguments: [String]) in try Emotion.run(arguments, in: temporary.url) }

        let synth = try run(["synth", "--output", "faces", "--per-class", "3", "--seed", "1"])
        #expect(synth.status == 0, "\(synth.stderr)")
        #expect(synth.stdout == "Wrote 18 images (3 per class) to faces\n")

        // dataset: the split train will use, as JSON.
        let dataset = try run(["dataset", "--data", "faces", "--format", "json"])
        #expect(dataset.status == 0, "\(dataset.stderr)")
        let split = try jsonObject(dataset.stdout)
        #expect(Set(split.keys) == ["classes", "training", "validation", "skipped"])
        #expect(split["classes"] as? [String] == ["anger", "disgust", "fear", "happy", "sad", "surprise"])
        let training = try #require(split["training"] as? [String])
        let validation = try #require(split["validation"] as? [String])
        #expect(training.count == 15 && validation.count == 3)  // int(0.2 * 18) = 3 validate
        #expect(Set(training + validation).count == 18)
        #expect(training.allSatisfy { $0.hasSuffix(".png") && !$0.hasPrefix("/") })
        #expect((split["skipped"] as? [Any])?.isEmpty == true)

        // train: Keras's lines, piped (so no progress bar).
        let train = try run(["train", "--model", "task1-small", "--data", "faces", "--epochs", "1",
                             "--batch-size", "8", "--seed", "7", "--output", "Models/small"])
        #expect(train.status == 0, "\(train.stderr)")
        let output = lines(train.stdout)
        try #require(output.count == 7, "\(train.stdout)")
        #expect(Array(output[0..<4]) == [
            "Found 18 files belonging to 6 classes.", "Using 15 files for training.", "Using 3 files for validation.",
            "Epoch 1/1",
        ])
        // Keras's number format: four decimals, or scientific at or below 1e-3 (an accuracy of 0 is 0.0000e+00).
        let epochLine = try #require(output[4].wholeMatch(of: #/2/2 - \d+s - \d+(?:s|ms|us)/step - accuracy: ([\d.e+-]+) - loss: ([\d.e+-]+) - val_accuracy: ([\d.e+-]+) - val_loss: ([\d.e+-]+)/#), "\(output[4])")
        // The test accuracy is the last epoch's validation accuracy (same files, same weights: not recomputed).
        let testLine = try #require(output[5].wholeMatch(of: #/Test Accuracy: (\d\.\d{3})/#), "\(output[5])")
        let lastValidationAccuracy = try #require(Double(String(epochLine.3)))
        #expect(String(testLine.1) == String(format: "%.3f", lastValidationAccuracy))
        #expect(output[6] == "Saved model to Models/small")
        let folder = temporary.url.appendingPathComponent("Models/small")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            == ["config.json", "history.csv", "history.svg", "model.safetensors"])
        let history = lines(try String(contentsOf: folder.appendingPathComponent("history.csv"), encoding: .utf8))
        #expect(history.count == 2 && history[0] == "epoch,accuracy,loss,val_accuracy,val_loss,learning_rate,seconds")
        let lastEpoch = history[1].split(separator: ",").map(String.init)
        let historyValidationAccuracy = try #require(Double(lastEpoch[3]))
        #expect(kerasFormat(historyValidationAccuracy) == String(epochLine.3))

        // evaluate (JSON): the same validation files and accuracy as the last epoch.
        let evaluate = try run(["evaluate", "--model", "Models/small", "--format", "json"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.hasPrefix("{\n  \"model\": \"Models/small\",\n  \"data\": \"faces\","))
        let report = try jsonObject(evaluate.stdout)
        #expect(Set(report.keys) == ["model", "data", "subset", "count", "accuracy", "loss", "macro_f1",
                                     "balanced_accuracy", "tta", "classes", "per_class", "confusion_matrix", "skipped"])
        // Macro F1 (over the classes present in truth or predictions) and balanced accuracy (mean recall over
        // the classes with samples), from the matrix and the per-class figures the report itself gives.
        let classes = try #require(report["per_class"] as? [[String: Any]])
        let counts = try #require(report["confusion_matrix"] as? [[Int]])
        let present = (0..<6).filter { k in counts[k].reduce(0, +) > 0 || counts.map { $0[k] }.reduce(0, +) > 0 }
        let withSamples = (0..<6).filter { counts[$0].reduce(0, +) > 0 }
        let macroF1 = present.map { classes[$0]["f1"] as? Double ?? .nan }.reduce(0, +) / Double(present.count)
        let balanced = withSamples.map { classes[$0]["recall"] as? Double ?? .nan }.reduce(0, +) / Double(withSamples.count)
        #expect(abs((report["macro_f1"] as? Double ?? .nan) - macroF1) < 1e-12)
        #expect(abs((report["balanced_accuracy"] as? Double ?? .nan) - balanced) < 1e-12)
        #expect(report["subset"] as? String == "validation")
        #expect(report["count"] as? Int == 3)
        #expect(report["accuracy"] as? Double == historyValidationAccuracy)
        #expect(report["loss"] as? Double == Double(lastEpoch[4]))
        let perClass = try #require(report["per_class"] as? [[String: Any]])
        #expect(perClass.count == 6)
        #expect(perClass.allSatisfy { Set($0.keys) == ["class", "precision", "recall", "f1", "support"] })
        #expect(perClass.map { $0["support"] as? Int ?? -1 }.reduce(0, +) == 3)
        let matrix = try #require(report["confusion_matrix"] as? [[Int]])
        #expect(matrix.count == 6 && matrix.allSatisfy { $0.count == 6 })
        #expect(matrix.joined().reduce(0, +) == 3)
        #expect(Double((0..<6).reduce(0) { $0 + matrix[$1][$1] }) / 3 == historyValidationAccuracy)

        // evaluate (text), and the --min-accuracy threshold.
        let text = try run(["evaluate", "--model", "Models/small"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("accuracy: \(epochLine.3) - loss: \(epochLine.4) - macro_f1: "))
        #expect(text.stdout.contains("Confusion matrix (rows: true class, columns: predicted class):"))
        let tooHigh = try run(["evaluate", "--model", "Models/small", "--min-accuracy", "1.01"])
        #expect(tooHigh.status == 1)
        #expect(tooHigh.stderr.contains("is below --min-accuracy 1.01"))
        #expect(try run(["evaluate", "--model", "Models/small", "--min-accuracy", "0"]).status == 0)
        let all = try jsonObject(try run(["evaluate", "--model", "Models/small", "--subset", "all", "--format", "json"]).stdout)
        #expect(all["count"] as? Int == 18)

        // A test set may lack a class (its folder empty): evaluated, with that class's support 0; training on
        // it is refused, naming the folder.
        for name in split["classes"] as? [String] ?? [] {
            try FileManager.default.createDirectory(at: temporary.url.appendingPathComponent("test/\(name)"),
                                                    withIntermediateDirectories: true)
        }
        for file in training.filter({ $0.hasPrefix("happy/") }) {
            try FileManager.default.copyItem(at: temporary.url.appendingPathComponent("faces/\(file)"),
                                             to: temporary.url.appendingPathComponent("test/\(file)"))
        }
        let partial = try run(["evaluate", "--model", "Models/small", "--data", "test", "--subset", "all",
                               "--format", "json"])
        #expect(partial.status == 0, "\(partial.stderr)")
        let partialReport = try jsonObject(partial.stdout)
        let happyCount = training.filter { $0.hasPrefix("happy/") }.count
        #expect(partialReport["count"] as? Int == happyCount && happyCount > 0)
        #expect((partialReport["per_class"] as? [[String: Any]])?.map { $0["support"] as? Int ?? -1 }
            == [0, 0, 0, happyCount, 0, 0])
        let refusedTraining = try run(["train", "--model", "task1-small", "--data", "test", "--epochs", "1",
                                       "--output", "Models/partial"])
        #expect(refusedTraining.status == 2)
        #expect(refusedTraining.stderr.contains("test/anger of class 'anger' has no images"),
                "\(refusedTraining.stderr)")

        // Classes that differ from the model's are an input error.
        try FileManager.default.moveItem(at: temporary.url.appendingPathComponent("faces/sad"),
                                         to: temporary.url.appendingPathComponent("faces/sadness"))
        let mismatch = try run(["evaluate", "--model", "Models/small"])
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr.contains("differ from the model's"), "\(mismatch.stderr)")

        // An --output that is not a model folder is refused before any training, and left alone.
        try FileManager.default.createDirectory(at: temporary.url.appendingPathComponent("notes"),
                                                withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: temporary.url.appendingPathComponent("notes/todo.txt"))
        let refused = try run(["train", "--model", "task1-small", "--data", "faces", "--output", "notes"])
        #expect(refused.status == 2)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("is not a model folder"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path("notes")) == ["todo.txt"])
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: faces6.path),
                   "faces6 end-to-end test skipped: ../shared/data/faces6 not found"))
    func oneEpochOnAHundredRealPhotos() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        // 100 photos: the first files of each class (sorted), plus the WebP image named .jpg in anger.
        let webp = "facial-expressions_2868588k.jpg"
        let fileManager = FileManager.default
        let classes = try fileManager.contentsOfDirectory(atPath: faces6.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(classes.count == 6)
        for (index, name) in classes.enumerated() {
            let folder = temporary.url.appendingPathComponent("faces/\(name)")
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
            var files = try fileManager.contentsOfDirectory(atPath: faces6.appendingPathComponent(name).path)
                .filter { $0 != webp }.sorted()
            files = Array(files.prefix(index < 4 ? 17 : 16))
            if name == "anger" { files[files.count - 1] = webp }
            for file in files {
                try fileManager.createSymbolicLink(
                    at: folder.appendingPathComponent(file),
                    withDestinationURL: faces6.appendingPathComponent("\(name)/\(file)"))
            }
        }
        let train = try Emotion.run(["train", "--model", "task1-small", "--data", "faces", "--epochs", "1",
                                     "--output", "model"], in: temporary.url)
        #expect(train.status == 0, "\(train.stderr)")
        let output = lines(train.stdout)
        #expect(Array(output.prefix(4)) == [
            "Found 100 files belonging to 6 classes.", "Using 80 files for training.", "Using 20 files for validation.",
            "Epoch 1/1",
        ])
        #expect(output.contains("Saved model to model"))
        #expect(train.stderr.contains("Warning: skipping anger/\(webp): it is a WebP image"), "\(train.stderr)")
    }
}

/// `--validation-data`: every file of --data trains, the other folder validates, and evaluate's subsets follow.
@Test func aSeparateValidationFolder() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let run = { (arguments: [String]) in try Emotion.run(arguments, in: temporary.url) }
    #expect(try run(["synth", "--output", "train", "--per-class", "2", "--size", "48", "--seed", "1"]).status == 0)
    #expect(try run(["synth", "--output", "check", "--per-class", "1", "--size", "48", "--seed", "2"]).status == 0)
    let train = try run(["train", "--model", "task1-small", "--data", "train", "--validation-data", "check",
                         "--epochs", "1", "--output", "Models/m"])
    #expect(train.status == 0, "\(train.stderr)")
    #expect(train.stdout.hasPrefix("Found 12 files belonging to 6 classes.\nFound 6 files belonging to 6 classes (validation).\nEpoch 1/1\n"),
            "\(train.stdout)")
    for (subset, count) in [("validation", 6), ("training", 12), ("all", 18)] {
        let evaluation = try run(["evaluate", "--model", "Models/m", "--subset", subset, "--format", "json"])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(evaluation.stdout.contains("\"count\": \(count),"), "\(subset): \(evaluation.stdout)")
    }
    try FileManager.default.removeItem(at: temporary.url.appendingPathComponent("check/sad"))
    let mismatch = try run(["train", "--model", "task1-small", "--data", "train", "--validation-data", "check",
                            "--epochs", "1", "--output", "Models/m"])
    #expect(mismatch.status == 2)
    #expect(mismatch.stderr.contains("has the classes anger, disgust, fear, happy, surprise, the training data anger, disgust, fear, happy, sad, surprise"),
            "\(mismatch.stderr)")
}

/// `--tta flip` at training is the saved model's own test-time augmentation: the final line reports the
/// accuracy with it (and without), evaluate and predict use it unless `--tta none`, and a resume with another
/// `--tta` is refused by name.
@Test func theModelsOwnTestTimeAugmentationIsItsDefault() throws {
    let temporary = try TemporaryFolder()
    defer { temporary.remove() }
    let run = { (arguments: [String]) in try Emotion.run(arguments, in: temporary.url) }
    #expect(try run(["synth", "--output", "faces", "--per-class", "5", "--seed", "3"]).status == 0)
    let train = try run(["train", "--model", "task1-small", "--data", "faces", "--epochs", "1", "--batch-size", "8",
                         "--seed", "7", "--tta", "flip", "--output", "Models/flip"])
    #expect(train.status == 0, "\(train.stderr)")
    let line = try #require(lines(train.stdout).first { $0.hasPrefix("Test Accuracy: ") })
    #expect(line.wholeMatch(of: #/Test Accuracy: \d\.\d{3} \(flip TTA; \d\.\d{3} without\)/#) != nil, "\(line)")
    let config = try String(contentsOf: temporary.url.appendingPathComponent("Models/flip/config.json"), encoding: .utf8)
    #expect(config.contains("\"tta\" : \"flip\""))

    let byDefault = try jsonObject(try run(["evaluate", "--model", "Models/flip", "--format", "json"]).stdout)
    let flipped = try jsonObject(try run(["evaluate", "--model", "Models/flip", "--format", "json", "--tta", "flip"]).stdout)
    let plain = try jsonObject(try run(["evaluate", "--model", "Models/flip", "--format", "json", "--tta", "none"]).stdout)
    #expect(byDefault["tta"] as? String == "flip" && plain["tta"] as? String == "none")
    #expect(byDefault["loss"] as? Double == flipped["loss"] as? Double)
    #expect(byDefault["loss"] as? Double != plain["loss"] as? Double)
    // The final line's two figures are evaluate's with and without.
    let figures = line.matches(of: #/\d\.\d{3}/#).map { String($0.output) }
    #expect(figures == [String(format: "%.3f", byDefault["accuracy"] as! Double), String(format: "%.3f", plain["accuracy"] as! Double)])

    let other = try run(["train", "--model", "task1-small", "--data", "faces", "--epochs", "1", "--batch-size", "8",
                         "--seed", "7", "--output", "Models/flip", "--keep-checkpoint"])
    #expect(other.status == 0, "\(other.stderr)")
    let resumed = try run(["train", "--model", "task1-small", "--data", "faces", "--epochs", "1", "--batch-size", "8",
                           "--seed", "7", "--tta", "flip", "--output", "Models/flip", "--resume"])
    #expect(resumed.status == 2)
    #expect(resumed.stderr.contains("--tta (checkpoint: none, now: flip)"), "\(resumed.stderr)")
}
