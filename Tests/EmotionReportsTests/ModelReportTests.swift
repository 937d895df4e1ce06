// The HTML report and the confusion heat map: the page is self-contained (no http(s) URL, no script, no
// external file; every data: PNG decodes with our decoder), its figures and tables hold the evaluation's
// numbers, the gallery shows the misclassified images by decreasing loss, and the heat map's cells carry
// the counts in colours that darken with the share of the true class.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import EmotionNN
import EmotionTestSupport
import ImageCodecs
@testable import EmotionReports
import EmotionTraining

private let classNames = ["anger", "happy", "sad"]

private func config(size: Int) -> ModelConfig {
    ModelConfig(
        architecture: "task1-small", inputShape: [size, size, 3], classNames: classNames,
        preprocessing: Preprocessing(height: size, width: size, scale: .unit),
        training: TrainingSettings(
            architecture: "task1-small", data: "faces", epochs: 2, batchSize: 4, learningRate: 0.001,
            validationSplit: 0.2, seed: 1, inputScale: .unit, classNames: nil))
}

/// The cells of an SVG heat map: (true, predicted, count, fill).
private final class CellCollector: NSObject, XMLParserDelegate {
    var cells: [(truth: Int, predicted: Int, count: Int, fill: String)] = []
    var svgCount = 0

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "svg" { svgCount += 1 }
        guard name == "rect", attributes["class"] == "cell" else { return }
        cells.append((Int(attributes["data-true"]!)!, Int(attributes["data-predicted"]!)!,
                      Int(attributes["data-count"]!)!, attributes["fill"]!))
    }
}

private func parseSVG(_ text: String) -> CellCollector {
    let collector = CellCollector()
    let parser = XMLParser(data: Data(text.utf8))
    parser.delegate = collector
    #expect(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
    return collector
}

/// Brightness of a #rrggbb colour (sum of the channels).
private func brightness(_ color: String) -> Int {
    let hex = Array(color.dropFirst())
    return stride(from: 0, to: 6, by: 2).reduce(0) { $0 + Int(String(hex[$1..<($1 + 2)]), radix: 16)! }
}

/// A report over six images written as PNGs into `folder`: two per class, four of them misclassified.
private func sixImageReport(in folder: URL, history: History?) throws -> ModelReport {
    let probabilities: [(label: Int, p: [Float])] = [
        (0, [0.7, 0.2, 0.1]), (0, [0.1, 0.85, 0.05]),   // correct; wrong (p(true) 0.1)
        (1, [0.3, 0.6, 0.1]), (1, [0.5, 0.45, 0.05]),   // correct; wrong (0.45)
        (2, [0.02, 0.03, 0.95].reversed()), (2, [0.4, 0.4, 0.2]),  // wrong (0.02); wrong on a tie (0.2)
    ]
    var images: [ClassifiedImage] = []
    for (index, item) in probabilities.enumerated() {
        let relative = "\(classNames[item.label])/\(index).png"
        let url = folder.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // A 40x30 picture (grey for the first, so both PNG colour types appear).
        let channels = index == 0 ? 1 : 3
        let pixels = (0..<(40 * 30 * channels)).map { UInt8(($0 * (index + 3)) % 251) }
        try Data(PNG.encode(Image(width: 40, height: 30, channels: channels, pixels: pixels))).write(to: url)
        images.append(ClassifiedImage(file: LabeledFile(relativePath: relative, url: url, label: item.label),
                                      probabilities: item.p))
    }
    let model = Task1CNN.make(inputSize: 12, classes: 3, seed: 1)
    return ModelReport(name: "tiny <model>", model: model, config: config(size: 12), history: history,
                       subsetDescription: "all of faces", images: images,
                       skipped: [SkippedFile(file: "anger/x.jpg", reason: "it is a WebP image")], galleryCount: 3)
}

@Suite struct ModelReportTests {
    @Test func pageIsSelfContainedAndHoldsTheFigures() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let history = History(records: [
            EpochRecord(epoch: 1, accuracy: 0.4, loss: 1.2, validationAccuracy: 0.3, validationLoss: 1.3, seconds: 2),
            EpochRecord(epoch: 2, accuracy: 0.6, loss: 0.9, validationAccuracy: 0.5, validationLoss: 1.1, seconds: 2),
        ])
        let report = try sixImageReport(in: temporary.url, history: history)
        let html = report.html

        // Nothing to fetch: no URL with a scheme other than data:, no scripts, no external style sheets.
        #expect(html.firstMatch(of: /https?:/) == nil)
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("@import"))
        let sources = html.matches(of: /src="([^"]*)"/).map { String($0.output.1) }
        #expect(sources.count == 3)
        for source in sources {
            let prefix = "data:image/png;base64,"
            #expect(source.hasPrefix(prefix))
            let png = try #require(Data(base64Encoded: String(source.dropFirst(prefix.count))))
            let image = try PNG.decode([UInt8](png))
            // What the model sees: 12x12 (the images are resized to the model's input).
            #expect(image.width == 12 && image.height == 12)
        }

        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(html.contains("<title>tiny &lt;model&gt;: model report</title>"))
        // Headline figures: 2 of 6 correct.
        #expect(html.contains("<div class=\"value\">0.3333</div><div class=\"note\">2 of 6 correct</div>"))
        // Both charts, inline and well-formed.
        let svgs = html.matches(of: /<svg[\s\S]*?<\/svg>/).map { String($0.output) }
        #expect(svgs.count == 2)
        let heatMap = parseSVG(svgs[1])
        #expect(heatMap.cells.count == 9)
        let counts = Dictionary(uniqueKeysWithValues: heatMap.cells.map { ("\($0.truth),\($0.predicted)", $0.count) })
        #expect(counts == ["0,0": 1, "0,1": 1, "0,2": 0, "1,0": 1, "1,1": 1, "1,2": 0, "2,0": 2, "2,1": 0, "2,2": 0])
        _ = parseSVG(svgs[0])
        // Per-class metrics: anger precision 1/4, recall 1/2, F1 1/3; happy 1/2, 1/2, 1/2; sad 0.
        #expect(html.contains("<tr><td>anger</td><td class=\"num\">0.250</td><td class=\"num\">0.500</td>"
            + "<td class=\"num\">0.333</td>"))
        #expect(html.contains("<tr><td>happy</td><td class=\"num\">0.500</td><td class=\"num\">0.500</td>"))
        #expect(html.contains("<tr><td>sad</td><td class=\"num\">0.000</td>"))
        // The layers and the skipped file.
        #expect(html.contains("dense_1 <span class=\"muted\">(Dense)</span>"))
        #expect(html.contains("<code>anger/x.jpg</code>: it is a WebP image"))
    }

    @Test func galleryShowsTheHighestLossesFirst() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let report = try sixImageReport(in: temporary.url, history: nil)
        // Misclassified: sad/4 (p 0.02), anger/1 (0.1), sad/5 (0.2), happy/3 (0.45); three are shown.
        #expect(report.topLosses.map(\.file.relativePath) == ["sad/4.png", "anger/1.png", "sad/5.png"])
        #expect(report.images[5].classIndex == 0 && !report.images[5].isCorrect, "a tie goes to the first class")
        let html = report.html
        let paths = html.matches(of: /<div class="path">([^<]*)<\/div>/).map { String($0.output.1) }
        #expect(paths == ["sad/4.png", "anger/1.png", "sad/5.png"])
        #expect(html.contains("<dt>predicted</dt><dd class=\"guess\">anger</dd><dt>true</dt><dd class=\"truth\">sad</dd>"))
        #expect(html.contains("no training history"))
        #expect(abs(report.loss - [0.7, 0.1, 0.6, 0.45, 0.02, 0.2].map { -log($0) }.reduce(0, +) / 6) < 1e-6)
    }

    @Test func heatMapCellsCarryCountsAndDarkenWithTheShare() throws {
        let confusion = ConfusionMatrix(counts: [[8, 2, 0], [1, 1, 2], [0, 0, 0]])
        let chart = ConfusionMatrixChart(confusion: confusion, classNames: ["a", "b & c", "d"], title: "t")
        #expect(chart.svg.hasPrefix("<?xml") && chart.svg.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!chart.inlineSVG.contains("xmlns") && !chart.inlineSVG.contains("<?xml"))
        let cells = parseSVG(chart.svg).cells
        #expect(cells.map(\.count) == [8, 2, 0, 1, 1, 2, 0, 0, 0])
        let fill = { (truth: Int, predicted: Int) in cells.first { $0.truth == truth && $0.predicted == predicted }!.fill }
        #expect(brightness(fill(0, 0)) < brightness(fill(0, 1)) && brightness(fill(0, 1)) < brightness(fill(0, 2)))
        #expect(fill(1, 0) == fill(1, 1), "equal shares, equal colours")
        #expect(fill(2, 2) == ConfusionMatrixChart.color(0), "an empty row is drawn as no share")
        #expect(ConfusionMatrixChart.color(0) == "#f7fbff" && ConfusionMatrixChart.color(1) == "#08306b")
        #expect(ConfusionMatrixChart.color(0.5) == "#6baed6" && ConfusionMatrixChart.color(0.25) == "#b1d5eb")
        #expect(chart.svg.contains("b &amp; c"))
    }

    @Test func thumbnailsAreTheModelViewHalvedToFit() throws {
        let image = Image(width: 4, height: 2, channels: 1, pixels: [0, 10, 20, 30, 40, 50, 60, 71])
        #expect(Thumbnail.halved(image) == Image(width: 2, height: 1, channels: 1, pixels: [25, 45]))
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let url = temporary.url.appendingPathComponent("a.png")
        try Data(PNG.encode(Image(width: 300, height: 200, channels: 3, pixels: [UInt8](repeating: 90, count: 180_000))))
            .write(to: url)
        let png = try #require(Thumbnail.png(of: url, preprocessing: Preprocessing(height: 224, width: 224)))
        let thumbnail = try PNG.decode(png)
        #expect(thumbnail.width == 112 && thumbnail.height == 112 && thumbnail.pixels.allSatisfy { $0 == 90 })
        #expect(Thumbnail.png(of: temporary.url.appendingPathComponent("missing.png"),
                              preprocessing: Preprocessing(height: 8, width: 8)) == nil)
    }
}

@Suite struct TrainingCurveLegendTests {
    /// The y of the legend's first sample line in each panel (legend lines are the 20-unit-long ones).
    private func legendTops(_ svg: String) -> [Double] {
        svg.matches(of: /<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="[\d.]+" stroke="#[0-9a-f]+" stroke-width="2"\/>/)
            .filter { Double($0.output.3)! - Double($0.output.1)! == 20 }
            .map { Double($0.output.2)! }
            .enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
    }

    @Test func legendStepsAsideForACurveEndingInTheTopRightCorner() {
        // Accuracy rises into the top right corner, loss falls away from it.
        let records = (1...10).map { (epoch: Int) -> EpochRecord in
            let e = Double(epoch)
            return EpochRecord(epoch: epoch, accuracy: 0.3 + 0.06 * e, loss: 2 - 0.15 * e,
                               validationAccuracy: 0.3 + 0.05 * e, validationLoss: 2 - 0.1 * e, seconds: 1)
        }
        let tops = legendTops(TrainingCurveChart(history: History(records: records), title: "t").svg)
        #expect(tops.count == 2)
        #expect(tops[0] > 250, "accuracy: the legend moves to the bottom (\(tops))")
        #expect(tops[1] < 120, "loss: the legend stays at the top (\(tops))")
    }
}
