// Unit tests of the training metrics (running means, confusion matrix, precision/recall/F1, macro F1,
// balanced accuracy) and of history.csv.

import Foundation
import Testing
import EmotionTestSupport
import EmotionTraining

@Test func runningMeanWeightsBatchesBySize() {
    var mean = RunningMean()
    #expect(mean.mean == 0)
    mean.add(1.0, count: 3)  // three samples with mean loss 1
    mean.add(2.0, count: 1)  // a last partial batch of one sample
    #expect(mean.count == 4)
    #expect(abs(mean.mean - 1.25) < 1e-12)
}

/// y_true [0,0,0,1,1,2,2,2,2], y_pred [0,0,1,1,2,2,2,0,0] and a fourth class with no samples and no
/// predictions; expected values counted by hand from the definitions (what scikit-learn's
/// `precision_recall_fscore_support(..., zero_division=0)` defines).
@Test func precisionRecallAndF1OfAKnownMatrix() {
    var matrix = ConfusionMatrix(classCount: 4)
    for (truth, predicted) in zip([0, 0, 0, 1, 1, 2, 2, 2, 2], [0, 0, 1, 1, 2, 2, 2, 0, 0]) {
        matrix.add(trueClass: truth, predicted: predicted)
    }
    #expect(matrix.counts == [[2, 1, 0, 0], [0, 1, 1, 0], [2, 0, 2, 0], [0, 0, 0, 0]])
    #expect(matrix.total == 9 && matrix.correct == 5)
    #expect(abs(matrix.accuracy - 5.0 / 9.0) < 1e-12)
    let expected: [(Double, Double, Double, Int)] = [
        (0.5, 2.0 / 3.0, 4.0 / 7.0, 3),
        (0.5, 0.5, 0.5, 2),
        (2.0 / 3.0, 0.5, 4.0 / 7.0, 4),
        (0, 0, 0, 0),
    ]
    for (index, (precision, recall, f1, support)) in expected.enumerated() {
        let metrics = matrix.metrics(of: index)
        #expect(abs(metrics.precision - precision) < 1e-12, "precision of class \(index)")
        #expect(abs(metrics.recall - recall) < 1e-12, "recall of class \(index)")
        #expect(abs(metrics.f1 - f1) < 1e-12, "f1 of class \(index)")
        #expect(metrics.support == support)
    }
}

@Test func zeroDivisionGivesZeroNotNaN() {
    // Class 1 is predicted but never true (recall 0/0); class 0 is true but never predicted (precision 0/0).
    let matrix = ConfusionMatrix(counts: [[0, 3], [0, 0]])
    #expect(matrix.metrics(of: 0) == ClassMetrics(precision: 0, recall: 0, f1: 0, support: 3))
    #expect(matrix.metrics(of: 1) == ClassMetrics(precision: 0, recall: 0, f1: 0, support: 0))
    #expect(matrix.accuracy == 0)
    #expect(ConfusionMatrix(classCount: 2).accuracy == 0)
}

@Test func historyCSVRoundTrips() throws {
    let history = History(records: [
        EpochRecord(epoch: 1, accuracy: 0.25, loss: 1.7596123, validationAccuracy: 0.1835, validationLoss: 1.7754,
                    learningRate: 0.0005, seconds: 1.23456),
        EpochRecord(epoch: 2, accuracy: 1.0 / 3.0, loss: 1.5, validationAccuracy: nil, validationLoss: nil,
                    seconds: 0.5),
    ])
    let csv = history.csv
    #expect(csv == """
        epoch,accuracy,loss,val_accuracy,val_loss,learning_rate,seconds
        1,0.25,1.7596123,0.1835,1.7754,0.0005,1.235
        2,0.3333333333333333,1.5,,,,0.500

        """)
    let read = try History(csv: csv)
    #expect(read.records.count == 2)
    #expect(read.records[1].accuracy == 1.0 / 3.0)
    #expect(read.records[1].validationLoss == nil)
    #expect(read.records[0].seconds == 1.235)
    #expect(read.records[0].learningRate == 0.0005 && read.records[1].learningRate == nil)
    // Histories written before the learning rate was recorded still read.
    let old = try History(csv: "epoch,accuracy,loss,val_accuracy,val_loss,seconds\n1,0.5,1.25,0.25,1.5,2.000\n")
    #expect(old.records == [EpochRecord(epoch: 1, accuracy: 0.5, loss: 1.25, validationAccuracy: 0.25,
                                        validationLoss: 1.5, seconds: 2)])
    #expect(throws: HistoryError.unexpectedHeader("epoch,acc")) { try History(csv: "epoch,acc\n") }
    #expect(throws: HistoryError.malformedRow(line: 2, text: "1,x,2,,,,1")) {
        try History(csv: History.header + "\n1,x,2,,,,1\n")
    }
}

private struct MetricsFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let classes: Int
        let truth: [Int]
        let predicted: [Int]
        let macro_f1: Double
        let balanced_accuracy: Double
    }
    let sklearn: String
    let cases: [Case]
}

/// Against scikit-learn (Fixtures/metrics.json, made by Fixtures/make_callback_fixtures.py), including classes
/// never predicted, absent from the truth, or absent from both.
@Test func macroF1AndBalancedAccuracyMatchScikitLearn() throws {
    let url = RepositoryPaths.fixtures().appendingPathComponent("metrics.json")
    let fixture = try JSONDecoder().decode(MetricsFixture.self, from: Data(contentsOf: url))
    #expect(fixture.cases.count == 4)
    for testCase in fixture.cases {
        var matrix = ConfusionMatrix(classCount: testCase.classes)
        for (truth, predicted) in zip(testCase.truth, testCase.predicted) {
            matrix.add(trueClass: truth, predicted: predicted)
        }
        #expect(abs(matrix.macroF1 - testCase.macro_f1) < 1e-12, "\(testCase.name): macro F1 \(matrix.macroF1)")
        #expect(abs(matrix.balancedAccuracy - testCase.balanced_accuracy) < 1e-12,
                "\(testCase.name): balanced accuracy \(matrix.balancedAccuracy)")
    }
    // By hand: recalls 1/2 and 1 → 0.75; F1s 2/3 and 2/3 → 2/3.
    let small = ConfusionMatrix(counts: [[1, 1], [0, 1]])
    #expect(abs(small.balancedAccuracy - 0.75) < 1e-12 && abs(small.macroF1 - 2.0 / 3.0) < 1e-12)
    #expect(ConfusionMatrix(classCount: 3).macroF1 == 0 && ConfusionMatrix(classCount: 3).balancedAccuracy == 0)
}
