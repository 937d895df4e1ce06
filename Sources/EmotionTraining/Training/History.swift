// The per-epoch training history and its `history.csv` form.

import Foundation

/// What one epoch reported. Validation figures are nil when training ran without a validation set.
public struct EpochRecord: Sendable, Equatable, Codable {
    public let epoch: Int
    public let accuracy: Double
    public let loss: Double
    public let validationAccuracy: Double?
    public let validationLoss: Double?
    /// The optimizer's learning rate at the end of the epoch (nil in histories written before it was kept).
    public let learningRate: Double?
    public let seconds: Double

    public init(
        epoch: Int, accuracy: Double, loss: Double, validationAccuracy: Double?, validationLoss: Double?,
        learningRate: Double? = nil, seconds: Double
    ) {
        self.epoch = epoch
        self.accuracy = accuracy
        self.loss = loss
        self.validationAccuracy = validationAccuracy
        self.validationLoss = validationLoss
        self.learningRate = learningRate
        self.seconds = seconds
    }
}

/// Why a `history.csv` could not be read.
public enum HistoryError: Error, Equatable, CustomStringConvertible {
    case unexpectedHeader(String)
    case malformedRow(line: Int, text: String)

    public var description: String {
        switch self {
        case .unexpectedHeader(let header):
            return "history.csv has header '\(header)', expected '\(History.header)'"
        case .malformedRow(let line, let text):
            return "history.csv line \(line) does not match its header: '\(text)'"
        }
    }
}

/// The epochs of a training run, in order.
public struct History: Sendable, Equatable {
    public static let header = "epoch,accuracy,loss,val_accuracy,val_loss,learning_rate,seconds"
    /// The header of histories written before the learning rate was recorded; still read.
    static let headerWithoutLearningRate = "epoch,accuracy,loss,val_accuracy,val_loss,seconds"

    public var records: [EpochRecord]

    public init(records: [EpochRecord] = []) {
        self.records = records
    }

    /// CSV with `header`, one row per epoch; metrics and rates at full Double precision (shortest round-trip
    /// text), an empty cell for a missing figure, seconds to the millisecond.
    public var csv: String {
        var lines = [Self.header]
        for record in records {
            let cells = [
                String(record.epoch), "\(record.accuracy)", "\(record.loss)",
                record.validationAccuracy.map { "\($0)" } ?? "", record.validationLoss.map { "\($0)" } ?? "",
                record.learningRate.map { "\($0)" } ?? "", String(format: "%.3f", record.seconds),
            ]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads what `csv` wrote.
    public init(csv text: String) throws(HistoryError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let header = lines.first, header == Self.header || header == Self.headerWithoutLearningRate else {
            throw .unexpectedHeader(lines.first ?? "")
        }
        let hasRate = header == Self.header
        var records: [EpochRecord] = []
        for (offset, line) in lines.enumerated().dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func optional(_ cell: String) -> Double?? { cell.isEmpty ? .some(nil) : Double(cell).map { $0 } }
            guard cells.count == (hasRate ? 7 : 6), let epoch = Int(cells[0]), let accuracy = Double(cells[1]),
                  let loss = Double(cells[2]), let validationAccuracy = optional(cells[3]),
                  let validationLoss = optional(cells[4]), let learningRate = hasRate ? optional(cells[5]) : .some(nil),
                  let seconds = Double(cells[cells.count - 1])
            else { throw .malformedRow(line: offset + 1, text: line) }
            records.append(EpochRecord(
                epoch: epoch, accuracy: accuracy, loss: loss, validationAccuracy: validationAccuracy,
                validationLoss: validationLoss, learningRate: learningRate, seconds: seconds))
        }
        self.records = records
    }
}
