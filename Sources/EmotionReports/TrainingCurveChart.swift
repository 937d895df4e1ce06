// history.svg: the training curves of a run drawn as SVG by hand — accuracy and loss per epoch, training
// against validation, each panel with axes, ticks, grid lines and a legend.

import EmotionTraining
import Foundation

/// Two side-by-side line charts (accuracy, loss) of a `History`. Each series is one `<polyline>` with a
/// point per epoch whose value is finite; a missing series (no validation set) is left out.
public struct TrainingCurveChart: Sendable {
    public let history: History
    public let title: String

    /// Size of each panel, and the whole picture is two panels wide.
    static let panelWidth = 480.0, panelHeight = 340.0
    static let margin = (left: 62.0, right: 16.0, top: 44.0, bottom: 48.0)
    static let trainingColor = "#1f77b4", validationColor = "#ff7f0e"

    public init(history: History, title: String) {
        self.history = history
        self.title = title
    }

    /// One curve: its legend label, colour and (epoch, value) points.
    struct Series {
        let label: String
        let color: String
        let points: [(x: Double, y: Double)]
    }

    /// The SVG document.
    public var svg: String {
        let epochs = history.records.map { Double($0.epoch) }
        func series(_ label: String, _ color: String, _ values: [Double?]) -> Series? {
            let points = zip(epochs, values).compactMap { epoch, value in
                value.flatMap { $0.isFinite ? (x: epoch, y: $0) : nil }
            }
            return points.isEmpty ? nil : Series(label: label, color: color, points: points)
        }
        let records = history.records
        let accuracy = [
            series("training", Self.trainingColor, records.map(\.accuracy)),
            series("validation", Self.validationColor, records.map(\.validationAccuracy)),
        ].compactMap { $0 }
        let loss = [
            series("training", Self.trainingColor, records.map(\.loss)),
            series("validation", Self.validationColor, records.map(\.validationLoss)),
        ].compactMap { $0 }
        let width = 2 * Self.panelWidth, height = Self.panelHeight + 30
        var lines = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(format(width))\" height=\"\(format(height))\" "
                + "viewBox=\"0 0 \(format(width)) \(format(height))\" font-family=\"sans-serif\" font-size=\"12\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(format(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"15\">"
                + "\(escaped(title)) — training history</text>",
        ]
        lines += panel("Accuracy", series: accuracy, originX: 0, originY: 30)
        lines += panel("Loss", series: loss, originX: Self.panelWidth, originY: 30)
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One chart at (originX, originY): frame, ticks with grid lines, axis labels, polylines and legend.
    private func panel(_ name: String, series: [Series], originX: Double, originY: Double) -> [String] {
        let margin = Self.margin
        let left = originX + margin.left, right = originX + Self.panelWidth - margin.right
        let top = originY + margin.top, bottom = originY + Self.panelHeight - margin.bottom
        let allPoints = series.flatMap(\.points)
        let xRange = Self.paddedRange(allPoints.map(\.x), minimumSpan: 1)
        let yRange = Self.paddedRange(allPoints.map(\.y), minimumSpan: 0.1)
        func x(_ value: Double) -> Double { left + (value - xRange.lowerBound) / span(xRange) * (right - left) }
        func y(_ value: Double) -> Double { bottom - (value - yRange.lowerBound) / span(yRange) * (bottom - top) }

        var lines = ["<g class=\"panel\" id=\"\(name.lowercased())\">"]
        lines.append("<text x=\"\(format((left + right) / 2))\" y=\"\(format(top - 14))\" text-anchor=\"middle\" "
            + "font-size=\"14\">\(name)</text>")
        for tick in Self.ticks(yRange) {
            let position = format(y(tick))
            lines.append("<line x1=\"\(format(left))\" y1=\"\(position)\" x2=\"\(format(right))\" y2=\"\(position)\" "
                + "stroke=\"#e0e0e0\"/>")
            lines.append("<text x=\"\(format(left - 6))\" y=\"\(position)\" text-anchor=\"end\" "
                + "dominant-baseline=\"middle\">\(Self.label(tick))</text>")
        }
        for tick in Self.ticks(xRange).filter({ $0 == $0.rounded() }) {
            let position = format(x(tick))
            lines.append("<line x1=\"\(position)\" y1=\"\(format(bottom))\" x2=\"\(position)\" "
                + "y2=\"\(format(bottom + 5))\" stroke=\"black\"/>")
            lines.append("<text x=\"\(position)\" y=\"\(format(bottom + 18))\" text-anchor=\"middle\">"
                + "\(Self.label(tick))</text>")
        }
        lines.append("<rect x=\"\(format(left))\" y=\"\(format(top))\" width=\"\(format(right - left))\" "
            + "height=\"\(format(bottom - top))\" fill=\"none\" stroke=\"black\"/>")
        lines.append("<text x=\"\(format((left + right) / 2))\" y=\"\(format(bottom + 38))\" "
            + "text-anchor=\"middle\">epoch</text>")
        lines.append("<text transform=\"translate(\(format(originX + 16)) \(format((top + bottom) / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">\(name.lowercased())</text>")
        for item in series {
            let points = item.points.map { "\(format(x($0.x))),\(format(y($0.y)))" }.joined(separator: " ")
            lines.append("<polyline class=\"\(item.label)\" fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"2\" "
                + "points=\"\(points)\"/>")
            // A single epoch draws no line, so mark every point.
            for point in item.points {
                lines.append("<circle cx=\"\(format(x(point.x)))\" cy=\"\(format(y(point.y)))\" r=\"2.5\" "
                    + "fill=\"\(item.color)\"/>")
            }
        }
        for (index, item) in series.enumerated() {
            let rowY = top + 14 + Double(index) * 16
            lines.append("<line x1=\"\(format(right - 96))\" y1=\"\(format(rowY))\" x2=\"\(format(right - 76))\" "
                + "y2=\"\(format(rowY))\" stroke=\"\(item.color)\" stroke-width=\"2\"/>")
            lines.append("<text x=\"\(format(right - 70))\" y=\"\(format(rowY))\" dominant-baseline=\"middle\">"
                + "\(item.label)</text>")
        }
        lines.append("</g>")
        return lines
    }

    private func span(_ range: ClosedRange<Double>) -> Double { range.upperBound - range.lowerBound }

    /// The range of `values` widened by 5% on each side, and to at least `minimumSpan` (so one epoch or a
    /// flat curve still has a non-empty axis); 0...1 when there are no values.
    static func paddedRange(_ values: [Double], minimumSpan: Double) -> ClosedRange<Double> {
        guard let low = values.min(), let high = values.max() else { return 0...1 }
        let padding = max((high - low) * 0.05, (minimumSpan - (high - low)) / 2, 0)
        return (low - padding)...(high + padding)
    }

    /// About five "nice" tick values (steps of 1, 2 or 5 times a power of ten) inside `range`.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let rough = (range.upperBound - range.lowerBound) / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        var tick = ceil(range.lowerBound / step) * step
        var ticks: [Double] = []
        while tick <= range.upperBound + step * 1e-9 {
            ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return ticks
    }

    /// A tick label without trailing zeros ("0.25", "3").
    static func label(_ value: Double) -> String {
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}

/// A coordinate with two decimals.
private func format(_ value: Double) -> String { String(format: "%.2f", value) }

/// `text` safe inside an XML element.
private func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;")
}
