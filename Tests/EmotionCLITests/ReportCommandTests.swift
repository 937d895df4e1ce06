// `emotion report` and `emotion evaluate --plot` run as child processes on a saved task1-small model with
// seeded random weights and a small synthesized data set.

import Foundation
import EmotionTestSupport
import EmotionTraining
import Testing

@Suite struct ReportCommandTests {
    @Test func writesTheReportAndTheHeatMap() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let synth = try Emotion.run(["synth", "--output", "faces", "--per-class", "2", "--seed", "3"], in: temporary.url)
        #expect(synth.status == 0, "stderr: \(synth.stderr)")
        try saveRandomTask1Model(to: temporary.url.appendingPathComponent("model"),
                                 classes: ["anger", "disgust", "fear", "happy", "sad", "surprise"], seed: 5,
                                 data: "faces", batchSize: 4)

        let report = try Emotion.run(["report", "--model", "model", "--subset", "all", "--output", "report.html",
                                      "--gallery", "4"], in: temporary.url)
        #expect(report.status == 0, "stderr: \(report.stderr)")
        #expect(report.stdout.hasPrefix("Wrote report.html: accuracy "), "stdout: \(report.stdout)")
        #expect(report.stdout.contains("on 12 images (all)"))
        let html = try String(contentsOf: temporary.url.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.firstMatch(of: /https?:/) == nil)
        #expect(html.matches(of: /<img src="data:image\/png;base64,/).count == 4)
        #expect(html.matches(of: /<rect class="cell"/).count == 36)
        #expect(html.contains("<h1>model</h1>"))

        let evaluate = try Emotion.run(["evaluate", "--model", "model", "--subset", "all", "--format", "json",
                                        "--plot", "confusion.svg"], in: temporary.url)
        #expect(evaluate.status == 0, "stderr: \(evaluate.stderr)")
        let svg = try String(contentsOf: temporary.url.appendingPathComponent("confusion.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.matches(of: /<rect class="cell"/).count == 36)
        // The heat map's counts are the JSON's confusion matrix.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        let matrix = try #require(json["confusion_matrix"] as? [[Int]])
        let counts = svg.matches(of: /data-count="(\d+)"/).map { Int($0.output.1)! }
        #expect(counts == matrix.flatMap { $0 })
    }

    @Test(arguments: [
        (["report", "--model", "m"], "missing required option '--output <file>'", true),
        (["report", "--model", "m", "--output", "r.html", "--subset", "test"],
         "'--subset' expects one of training, validation, all, got 'test'", true),
        (["report", "--model", "no-such-model", "--output", "r.html"], "no-such-model does not exist", false),
    ])
    func badArgumentsExitTwo(arguments: [String], message: String, showsUsage: Bool) throws {
        try Emotion.expectError(arguments, message: message, showsUsage: showsUsage)
    }
}
