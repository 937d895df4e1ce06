// Tests of `emotion predict` run as a child process: on synthesized PNGs with a model saved with
// seeded random weights (natural order, the assignment's lines, --top, JSON, CSV, labels and accuracy,
// skipped files, exit codes), on ../shared/data/facial-pics when present, and the ImageNet classifier of
// efficientnet-lite0 when ../shared/backbones is present.

import Foundation
import EmotionTestSupport
import Testing
import EmotionTraining
import ImageCodecs

private let facialPics = RepositoryPaths.facialPics
private let lite0Weights = RepositoryPaths.lite0Weights

private let classes = ["anger", "happy", "sad"]

/// Writes a 24x20 PNG whose pixels depend on `seed`, creating folders on the way.
private func writePicture(_ url: URL, seed: Int) throws {
    let pixels = (0..<(24 * 20 * 3)).map { UInt8(($0 * (seed + 2) + seed * 37) % 256) }
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(PNG.encode(Image(width: 24, height: 20, channels: 3, pixels: pixels))).write(to: url)
}

private func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

private func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
}

@Suite struct PredictCommandTests {
    @Test func predictsAFolderOfPictures() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try saveRandomTask1Model(to: temporary.url.appendingPathComponent("Models/task1-small"), classes: classes)
        let pictures = temporary.url.appendingPathComponent("Facial Pics")
        for (seed, name) in ["10.png", "2.png", "1.png", "sub/3.png"].enumerated() {
            try writePicture(pictures.appendingPathComponent(name), seed: seed)
        }
        try Data("not a picture".utf8).write(to: pictures.appendingPathComponent("notes.txt"))
        try Data("RIFF\0\0\0\0WEBPVP8 ".utf8).write(to: pictures.appendingPathComponent("4.jpg"))
        let run = { (arguments: [String]) in try Emotion.run(["predict"] + arguments, in: temporary.url) }

        // Text, with the default model folder: the assignment's lines in natural order.
        let text = try run(["./Facial Pics"])
        #expect(text.status == 0, "\(text.stderr)")
        let output = lines(text.stdout)
        let expectedFiles = ["./Facial Pics/1.png", "./Facial Pics/2.png", "./Facial Pics/10.png", "./Facial Pics/sub/3.png"]
        try #require(output.count == 4, "\(text.stdout)")
        for (line, file) in zip(output, expectedFiles) {
            #expect(line.wholeMatch(of: #/File: (.+), Predicted Class: (anger|happy|sad)/#)?.1 == Substring(file), "\(line)")
        }
        #expect(text.stderr.contains("Note: skipping ./Facial Pics/notes.txt: not an image"), "\(text.stderr)")
        #expect(text.stderr.contains("Warning: skipping ./Facial Pics/4.jpg: it is a WebP image"), "\(text.stderr)")

        // JSON: one object; the predicted class is the most probable of "top", which is sorted.
        let json = try run(["--model", "Models/task1-small", "--format", "json", "--top", "2", "Facial Pics/"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try jsonObject(json.stdout)
        #expect(Set(report.keys) == ["model", "classes", "predictions", "skipped"])
        #expect(report["model"] as? String == "Models/task1-small")
        let predictions = try #require(report["predictions"] as? [[String: Any]])
        #expect(predictions.map { $0["file"] as? String } == expectedFiles.map { String($0.dropFirst(2)) })
        var predictedClasses: [String] = []
        for prediction in predictions {
            #expect(Set(prediction.keys) == ["file", "class", "probability", "top"])
            let top = try #require(prediction["top"] as? [[String: Any]])
            #expect(top.count == 2)
            let first = try #require(top.first)
            #expect(Set(first.keys) == ["class", "index", "probability"])
            #expect(first["class"] as? String == prediction["class"] as? String)
            #expect(classes[first["index"] as? Int ?? -1] == first["class"] as? String)
            #expect(first["probability"] as? Double == prediction["probability"] as? Double)
            #expect((first["probability"] as? Double ?? 0) >= (top[1]["probability"] as? Double ?? 1))
            predictedClasses.append(prediction["class"] as? String ?? "")
        }
        let skipped = try #require(report["skipped"] as? [[String: String]])
        #expect(skipped.map { $0["file"] } == ["Facial Pics/notes.txt", "Facial Pics/4.jpg"])
        // Text lines agree with the JSON, and --top adds the probabilities line under each.
        #expect(zip(output, predictedClasses).allSatisfy { $0.hasSuffix("Predicted Class: \($1)") })
        let topText = lines(try run(["--top", "3", "Facial Pics"]).stdout)
        #expect(topText.count == 8)
        #expect(topText[1].wholeMatch(of: #/  (anger|happy|sad) 0\.\d{4}, (anger|happy|sad) 0\.\d{4}, (anger|happy|sad) 0\.\d{4}/#) != nil,
                "\(topText[1])")

        // Labels: one right, one wrong, one not a class of the model, one missing → accuracy 1/2.
        let wrong = classes.first { $0 != predictedClasses[1] }!
        try Data("file,label\n1.png,\(predictedClasses[0])\n2.png,\(wrong)\nsub/3.png,neutral\n".utf8)
            .write(to: temporary.url.appendingPathComponent("labels.csv"))
        let labelled = try run(["--labels", "labels.csv", "Facial Pics"])
        #expect(labelled.status == 0, "\(labelled.stderr)")
        let labelledLines = lines(labelled.stdout)
        #expect(labelledLines == [
            "File: Facial Pics/1.png, Predicted Class: \(predictedClasses[0]), Label: \(predictedClasses[0]), Correct: yes",
            "File: Facial Pics/2.png, Predicted Class: \(predictedClasses[1]), Label: \(wrong), Correct: no",
            "File: Facial Pics/10.png, Predicted Class: \(predictedClasses[2]), Label: none",
            "File: Facial Pics/sub/3.png, Predicted Class: \(predictedClasses[3]), Label: neutral",
            "Accuracy: 0.5000 (1 of 2 labelled images correct)",
        ])
        #expect(labelled.stderr.contains("Facial Pics/sub/3.png is labelled 'neutral', which is not a class of the model"),
                "\(labelled.stderr)")
        let labelledJSON = try jsonObject(try run(["--labels", "labels.csv", "--format", "json", "Facial Pics"]).stdout)
        #expect(labelledJSON["accuracy"] as? Double == 0.5)
        #expect(labelledJSON["labelled"] as? Int == 2)
        let firstLabelled = try #require((labelledJSON["predictions"] as? [[String: Any]])?.first)
        #expect(firstLabelled["correct"] as? Bool == true)

        // CSV, with and without labels.
        let csv = lines(try run(["--format", "csv", "Facial Pics"]).stdout)
        #expect(csv.first == "file,class,probability")
        #expect(csv.count == 5 && csv[1].hasPrefix("Facial Pics/1.png,\(predictedClasses[0]),0."))
        let labelledCSV = lines(try run(["--format", "csv", "--labels", "labels.csv", "Facial Pics"]).stdout)
        #expect(labelledCSV.first == "file,class,probability,label,correct")
        #expect(labelledCSV[2].hasSuffix(",\(wrong),false") && labelledCSV[4].hasSuffix(",neutral,"))

        // --min-accuracy: 0.5 passes, 0.6 fails with exit 1.
        #expect(try run(["--labels", "labels.csv", "--min-accuracy", "0.5", "Facial Pics"]).status == 0)
        let below = try run(["--labels", "labels.csv", "--min-accuracy", "0.6", "Facial Pics"])
        #expect(below.status == 1)
        #expect(below.stderr.contains("Accuracy 0.5000 is below --min-accuracy 0.6"))
    }

    @Test(arguments: [
        (["predict", "missing-folder"], "missing-folder does not exist"),
        (["predict", "notes.txt"], "no images found in notes.txt"),
        (["predict", "--model", "no-model", "a.png"], "the model folder"),
        (["predict", "--model", "broken", "a.png"], "broken/config.json is not a valid model config"),
        (["predict", "--min-accuracy", "0.5", "a.png"], "'--min-accuracy' needs '--labels <csv>'"),
        (["predict", "--format", "xml", "a.png"], "'--format' expects one of text, json, csv, got 'xml'"),
        (["predict", "--backbone", "efficientnet-lite0", "a.png"], "'--backbone' needs '--weights <file>'"),
        (["predict"], "missing path"),
    ])
    func inputAndUsageErrorsExitTwo(arguments: [String], message: String) throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try writePicture(temporary.url.appendingPathComponent("a.png"), seed: 1)
        try Data("text".utf8).write(to: temporary.url.appendingPathComponent("notes.txt"))
        try FileManager.default.createDirectory(at: temporary.url.appendingPathComponent("broken"),
                                                withIntermediateDirectories: true)
        try Data("{".utf8).write(to: temporary.url.appendingPathComponent("broken/config.json"))
        let result = try Emotion.run(arguments, in: temporary.url)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        // Notes about skipped files may come first; then the error line.
        #expect(result.stderr.split(separator: "\n").contains { $0.hasPrefix("Error: ") && $0.contains(message) },
                "\(result.stderr)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: facialPics.appendingPathComponent("labels.csv").path),
                   "facial-pics test skipped: ../shared/data/facial-pics not found"))
    func facialPicsWithTheirLabels() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try saveRandomTask1Model(to: temporary.url.appendingPathComponent("Models/task1-small"), classes: classes)
        let labels = facialPics.appendingPathComponent("labels.csv").path
        let result = try Emotion.run(["predict", "--labels", labels, "--format", "json", facialPics.path], in: temporary.url)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try jsonObject(result.stdout)
        let files = try #require(report["predictions"] as? [[String: Any]]).compactMap { $0["file"] as? String }
        #expect(files == (1...10).map { facialPics.path + "/\($0).jpg" })
        // Of the ten labels, only those among the model's classes count (neutral and surprise are not).
        let rows = try String(contentsOfFile: labels, encoding: .utf8).split(separator: "\n").dropFirst()
        let countable = rows.filter { classes.contains(String($0.split(separator: ",")[1])) }.count
        #expect(report["labelled"] as? Int == countable)
        #expect(result.stderr.contains("3.jpg is labelled 'neutral', which is not a class of the model"))
        #expect(report["accuracy"] is Double)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: lite0Weights.path),
                   "backbone predict test skipped: ../shared/backbones/efficientnet_lite0.safetensors not found"))
    func imageNetClassifierOfEfficientNetLite0() throws {
        let samples = RepositoryPaths.backbones.appendingPathComponent("samples")
        let result = try Emotion.run([
            "predict", "--backbone", "efficientnet-lite0", "--weights", lite0Weights.path, "--class-names-file",
            RepositoryPaths.backbones.appendingPathComponent("imagenet-classes.txt").path, "--top", "3", "--format", "json",
            samples.appendingPathComponent("chelsea_224.png").path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try jsonObject(result.stdout)
        #expect(report["model"] as? String == "efficientnet-lite0")
        let prediction = try #require((report["predictions"] as? [[String: Any]])?.first)
        let top = try #require(prediction["top"] as? [[String: Any]])
        // The README's top 3 for the 224x224 sample, fed as is: 282, 285, 281 (0.3928, 0.3563, 0.1695).
        #expect(top.map { $0["index"] as? Int } == [282, 285, 281])
        #expect(top.first?["class"] as? String == "tiger cat")
        for (entry, expected) in zip(top, [0.3928, 0.3563, 0.1695]) {
            #expect(abs((entry["probability"] as? Double ?? 0) - expected) < 2e-3, "\(entry)")
        }
    }
}
