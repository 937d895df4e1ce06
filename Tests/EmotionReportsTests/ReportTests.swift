// Tests of the report pieces: the hand-written SVG training-curve chart (well-formed XML, one polyline per
// series with a point per epoch, finite coordinates for one epoch and flat curves) and the comparison table.

import Foundation
#if canImport(FoundationXML)
import FoundationXML  // XMLParser lives here on Linux.
#endif
import Testing
import EmotionNN
@testable import EmotionReports
import EmotionTraining

/// The polylines of an SVG document by panel id, with their class and point count, read with XMLParser.
private final class PolylineCollector: NSObject, XMLParserDelegate {
    var panel = ""
    var polylines: [(panel: String, series: String, points: [(Double, Double)])] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "g", let id = attributes["id"] { panel = id }
        guard name == "polyline", let text = attributes["points"] else { return }
        let points = text.split(separator: " ").map { pair -> (Double, Double) in
            let xy = pair.split(separator: ",").map { Double($0) ?? .nan }
            return (xy[0], xy[1])
        }
        polylines.append((panel, attributes["class"] ?? "", points))
    }
}

private func parse(_ svg: String) throws -> PolylineCollector {
    let collector = PolylineCollector()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = collector
    let parsed = parser.parse()
    #expect(parsed, "the SVG is not well-formed XML: \(String(describing: parser.parserError))")
    return collector
}

private func history(_ rows: [(Double, Double, Double?, Double?)]) -> History {
    History(records: rows.enumerated().map { index, row in
        EpochRecord(epoch: index + 1, accuracy: row.0, loss: row.1, validationAccuracy: row.2,
                    validationLoss: row.3, seconds: 1.5)
    })
}

@Suite struct TrainingCurveChartTests {
    @Test func drawsTrainingAndValidationCurvesOfBothPanels() throws {
        let chart = TrainingCurveChart(
            history: history([(0.2, 1.8, 0.25, 1.7), (0.4, 1.5, 0.3, 1.6), (0.6, 1.1, 0.35, 1.55)]),
            title: "a <model> & co")
        let collector = try parse(chart.svg)
        #expect(collector.polylines.map { "\($0.panel)/\($0.series)" }
            == ["accuracy/training", "accuracy/validation", "loss/training", "loss/validation"])
        #expect(collector.polylines.allSatisfy { $0.points.count == 3 })
        // Epochs increase to the right; a higher accuracy is drawn higher (smaller y).
        let training = collector.polylines[0].points
        #expect(training[0].0 < training[1].0 && training[1].0 < training[2].0)
        #expect(training[0].1 > training[1].1 && training[1].1 > training[2].1)
        // Both accuracy curves share the panel's axis: the validation curve's last point (0.35) lies between
        // the training curve's first (0.2) and second (0.4).
        let validationLast = collector.polylines[1].points[2].1
        #expect(training[0].1 > validationLast && validationLast > training[1].1)
        #expect(chart.svg.contains("a &lt;model&gt; &amp; co"))
    }

    @Test func oneEpochAndFlatCurvesGiveFiniteCoordinates() throws {
        for rows in [[(0.5, 1.0, 0.5, 1.0)], [(0.5, 1.0, 0.5, 1.0), (0.5, 1.0, 0.5, 1.0)]] {
            let svg = TrainingCurveChart(history: history(rows), title: "flat").svg
            let collector = try parse(svg)
            #expect(collector.polylines.count == 4)
            #expect(collector.polylines.allSatisfy { $0.points.count == rows.count })
            #expect(collector.polylines.flatMap(\.points).allSatisfy { $0.0.isFinite && $0.1.isFinite })
            // No attribute value or number starts with nan or inf.
            #expect(svg.lowercased().firstMatch(of: #/[" ,(]-?(nan|inf)/#) == nil)
        }
    }

    @Test func leavesOutMissingValidationAndNonFiniteValues() throws {
        let collector = try parse(TrainingCurveChart(
            history: history([(0.1, .infinity, nil, nil), (0.3, 1.2, nil, nil)]), title: "no validation").svg)
        #expect(collector.polylines.map { "\($0.panel)/\($0.series)/\($0.points.count)" }
            == ["accuracy/training/2", "loss/training/1"])
    }

    @Test func ticksAreRoundNumbersInsideTheRange() {
        #expect(TrainingCurveChart.ticks(0...1) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        #expect(TrainingCurveChart.ticks(0.5...20.5) == [5, 10, 15, 20])
        #expect(TrainingCurveChart.label(0.6000000000000001) == "0.6")
        #expect(TrainingCurveChart.paddedRange([3], minimumSpan: 1) == 2.5...3.5)
    }
}

@Suite struct ModelComparisonTests {
    @Test func markdownRowsFromHistoryAndEvaluation() {
        let model = Sequential(inputShape: [4], layers: [Dense(units: 3, activation: .softmax)])
        let config = ModelConfig(
            architecture: "tiny", inputShape: [4], classNames: ["a", "b", "c"],
            preprocessing: Preprocessing(height: 2, width: 2),
            training: TrainingSettings(
                architecture: "tiny", data: "Data", epochs: 2, batchSize: 8, learningRate: 0.001,
                validationSplit: 0.2, seed: 1, inputScale: .unit, classNames: nil))
        let records = history([(0.25, 1.5, 0.3, 1.4), (0.5, 1.25, 0.4, 1.3)])
        let evaluation = Evaluation(accuracy: 0.375, loss: 1.125, confusion: ConfusionMatrix(classCount: 3), seconds: 0)
        // 20 training images in batches of 8: 3 steps per epoch of 1.5 s.
        let evaluated = ModelComparisonRow(
            name: "one", model: model, config: config, history: records, test: evaluation, trainingImageCount: 20)
        let fromHistory = ModelComparisonRow(
            name: "two|x", model: model, config: config, history: records, test: nil, trainingImageCount: nil)
        let lines = ModelComparison.markdown([evaluated, fromHistory]).split(separator: "\n").map(String.init)
        #expect(lines == [
            "| Model | Input shape | Layers | Parameters | Train accuracy | Validation accuracy | Test accuracy | "
                + "Test loss | Time per step |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            "| one | (4) | 1 | 15 | 0.5000 | 0.4000 | 0.3750 | 1.1250 | 0.500 s |",
            "| two\\|x | (4) | 1 | 15 | 0.5000 | 0.4000 | 0.4000* | 1.3000* | - |",
        ])
        #expect(ModelComparison.grouped(4_354_470) == "4,354,470" && ModelComparison.grouped(999) == "999")
    }
}
