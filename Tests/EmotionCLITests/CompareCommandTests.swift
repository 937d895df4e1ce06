// Tests of `emotion compare`: the Markdown table of two tiny trained models (rows, shapes, layer and
// parameter counts, accuracies from history.csv, test accuracy as `evaluate` reports it), the fallback to
// the history when the data folder is gone, and the history.svg it (re)writes.

import Foundation
import EmotionTestSupport
import Testing
import EmotionTraining

@Suite struct CompareCommandTests {
    @Test func markdownTableOfTwoTrainedModels() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let run = { (arguments: [String]) in try Emotion.run(arguments, in: temporary.url) }
        #expect(try run(["synth", "--output", "faces", "--per-class", "3", "--seed", "1"]).status == 0)
        for (name, seed) in [("first", "3"), ("second", "4")] {
            let train = try run(["train", "--model", "task1-small", "--data", "faces", "--epochs", "1",
                                 "--batch-size", "8", "--seed", seed, "--output", "Models/\(name)"])
            #expect(train.status == 0, "\(train.stderr)")
        }
        let chart = temporary.url.appendingPathComponent("Models/first/history.svg")
        try FileManager.default.removeItem(at: chart)

        let compare = try run(["compare", "Models/first", "Models/second", "--format", "markdown"])
        #expect(compare.status == 0, "\(compare.stderr)")
        let lines = compare.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 4, "\(compare.stdout)")
        #expect(lines[0].hasPrefix("| Model | Input shape | Layers | Parameters | Train accuracy |"))
        let model = try ModelZoo.make(name: "task1-small", classes: 6, seed: 0)
        for (line, name) in zip(lines[2...], ["first", "second"]) {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            try #require(cells.count == 9, "\(line)")
            #expect(Array(cells[0..<3]) == [name, "(100, 100, 3)", String(model.layers.count)])
            #expect(cells[3].replacingOccurrences(of: ",", with: "") == String(model.parameterCount))
            #expect(cells[3].components(separatedBy: ",").dropFirst().allSatisfy { $0.count == 3 })
            let history = try ModelStore.loadHistory(from: temporary.url.appendingPathComponent("Models/\(name)"))
            #expect(cells[4] == String(format: "%.4f", history.records[0].accuracy))
            #expect(cells[5] == String(format: "%.4f", history.records[0].validationAccuracy ?? -1))
            // Evaluated now, on the same 3 validation files with the same weights: the history's figures.
            #expect(cells[6] == String(format: "%.4f", history.records[0].validationAccuracy ?? -1))
            #expect(cells[7] == String(format: "%.4f", history.records[0].validationLoss ?? -1))
            #expect(cells[8].hasSuffix(" s"))
        }
        #expect(FileManager.default.fileExists(atPath: chart.path))

        // Without the data folder, the test figures come from the history and are marked.
        let text = try run(["compare", "Models/first", "--data", "gone"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("* from history.csv"))
        #expect(text.stdout.split(separator: "\n")[2].contains("*"))
    }

    @Test func aMissingFolderExitsTwo() throws {
        let result = try Emotion.run(["compare", "no-such-model"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("does not exist"), "\(result.stderr)")
    }
}
