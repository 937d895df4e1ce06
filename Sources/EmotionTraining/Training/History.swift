// The per-epoch training history and its `history.csv` form.

import Foundation

/// What one epoch reported. Validation figures are nil when training ran without a validation set.
public struct EpochRecord: Sendable, Equatable, Codable {
    public let epoch: Int
    public let accuracy: Double
    public let loss: Double
    public let validationAccuracy: Double?
    public let validationLoss: Double?
    public let seconds: Double

    public init(
        epoch: Int, accuracy: Double, loss: Double, validationAccuracy: Double?, validationLoss: Double?,
        seconds: Double
    ) {
        self.epoch = epoch
        self.accuracy = accuracy
        self.loss = loss
        self.validationAccuracy = validationAccuracy
        self.validationLoss = validationLoss
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
            return "history.csv line \(line) is not 'epoch,accuracy,loss,val_accuracy,val_loss,seconds': '\(text)'"
        }
    }
}

/// The epochs of a training run, in order.
public struct History: Sendable, Equatable {
    public static let header = "epoch,accuracy,loss,val_accuracy,val_loss,seconds"

    public var records: [EpochRecord]

    public init(records: [EpochRecord] = []) {
        self.records = records
    }

    /// CSV with `header`, one row per epoch; metrics at full Double precision (shortest round-trip text),
    /// an empty cell for missing validation figures, seconds to the millisecond.
    public var csv: String {
        var lines = [Self.header]
        for record in records {
            let cells = [
                String(record.epoch), "\(record.accuracy)", "\(record.loss)",
                record.validationAccuracy.map { "\($0)" } ?? "", record.validationLoss.map { "\($0)" } ?? "",
                String(format: "%.3f", record.seconds),
            ]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads what `csv` wrote.
    public init(csv text: String) throws(HistoryError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let header = lines.first, header == Self.header else {
            throw .unexpectedHeader(lines.first ?? "")
        }
        var records: [EpochRecord] = []
        for (offset, line) in lines.enumerated().dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func optional(_ cell: String) -> Double?? { cell.isEmpty ? .some(nil) : Double(cell).map { $0 } }
            guard cells.count == 6, let epoch = Int(cells[0]), let accuracy = Double(cells[1]),
                  let loss = Double(cells[2]), let validationAccuracy = optional(cells[3]),
                  let validationLoss = optional(cells[4]), let seconds = Double(cells[5])
            else { throw .malformedRow(line: offset + 1, text: line) }
            records.append(EpochRecord(
                epoch: epoch, accuracy: accuracy, loss: loss, validationAccuracy: validationAccuracy,
                validationLoss: validationLoss, seconds: seconds))
        }
        self.records = records
    }
}
