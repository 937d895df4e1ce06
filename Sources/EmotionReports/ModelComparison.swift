// The assignment's comparison of trained models: one row per model folder (input shape, layers,
// parameters, last-epoch training/validation accuracy, test accuracy and loss, time per step), and its
// Markdown form.

import EmotionTraining
import Foundation
import EmotionNN

/// One model's row of the comparison table.
public struct ModelComparisonRow: Sendable, Equatable {
    /// Where the test figures come from.
    public enum TestSource: String, Sendable {
        /// The model evaluated on its validation subset now.
        case evaluated
        /// The last epoch's val_accuracy / val_loss in history.csv (the data folder was not available).
        case history
    }

    public var model: String
    public var architecture: String
    public var inputShape: [Int]
    /// Top-level layers, as Keras's `len(model.layers)` counts them (a backbone is one layer).
    public var layers: Int
    public var parameters: Int
    public var trainingAccuracy: Double?
    public var validationAccuracy: Double?
    public var testAccuracy: Double?
    public var testLoss: Double?
    public var testSource: TestSource?
    /// Mean over the epochs of (epoch seconds, validation included) / (training steps per epoch).
    public var secondsPerStep: Double?

    /// The row of `model` saved in `folder`: training and validation accuracy from the last epoch of
    /// `history`, test figures from `test` (else the history's last validation figures), time per step
    /// from the history when the number of training images per epoch is known.
    public init(
        name: String, model: Sequential, config: ModelConfig, history: History, test: Evaluation?,
        trainingImageCount: Int?
    ) {
        self.model = name
        architecture = config.architecture
        inputShape = config.inputShape
        layers = model.layers.count
        parameters = model.parameterCount
        let last = history.records.last
        trainingAccuracy = last?.accuracy
        validationAccuracy = last?.validationAccuracy
        if let test {
            testAccuracy = test.accuracy
            testLoss = test.loss
            testSource = .evaluated
        } else if let accuracy = last?.validationAccuracy {
            testAccuracy = accuracy
            testLoss = last?.validationLoss
            testSource = .history
        }
        if let trainingImageCount, trainingImageCount > 0, !history.records.isEmpty {
            let steps = Double((trainingImageCount + config.training.batchSize - 1) / config.training.batchSize)
            let seconds = history.records.map(\.seconds).reduce(0, +) / Double(history.records.count)
            secondsPerStep = seconds / steps
        }
    }
}

/// Renders comparison rows.
public enum ModelComparison {
    public static let headers = [
        "Model", "Input shape", "Layers", "Parameters", "Train accuracy", "Validation accuracy", "Test accuracy",
        "Test loss", "Time per step",
    ]

    /// The cells of `row` under `headers`; "-" for a figure that is not known. A test figure read from
    /// the history rather than evaluated is marked with "*".
    public static func cells(_ row: ModelComparisonRow) -> [String] {
        func fixed(_ value: Double?, _ digits: Int) -> String {
            value.map { String(format: "%.\(digits)f", $0) } ?? "-"
        }
        let mark = row.testSource == .history ? "*" : ""
        return [
            row.model,
            "(" + row.inputShape.map(String.init).joined(separator: ", ") + ")",
            String(row.layers),
            grouped(row.parameters),
            fixed(row.trainingAccuracy, 4),
            fixed(row.validationAccuracy, 4),
            fixed(row.testAccuracy, 4) + (row.testAccuracy == nil ? "" : mark),
            fixed(row.testLoss, 4) + (row.testLoss == nil ? "" : mark),
            row.secondsPerStep.map { String(format: "%.3f s", $0) } ?? "-",
        ]
    }

    /// A GitHub Markdown table (numbers right-aligned), one line per row.
    public static func markdown(_ rows: [ModelComparisonRow]) -> String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        let rule = "|" + headers.indices.map { $0 == 0 ? " --- |" : " ---: |" }.joined()
        return ([line(headers), rule] + rows.map { line(cells($0)) }).joined(separator: "\n") + "\n"
    }

    /// 1,234,567.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        return digits.enumerated().map { index, digit in
            index > 0 && (digits.count - index) % 3 == 0 ? ",\(digit)" : "\(digit)"
        }.joined()
    }
}
