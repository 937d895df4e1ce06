// The confusion matrix as an SVG heat map: one cell per (true class, predicted class) with its count and
// its share of the true class, coloured by that share (so each row reads as the class's recall spread over
// the predictions), true classes down the side, predictions along the bottom, and a colour scale.

import EmotionTraining

/// A heat map of a `ConfusionMatrix`. Every cell is a `<rect class="cell">` carrying `data-true`,
/// `data-predicted` and `data-count`, so the picture can be checked (and scripted) by its numbers.
public struct ConfusionMatrixChart: Sendable {
    public let confusion: ConfusionMatrix
    public let classNames: [String]
    public let title: String

    static let cellSize = 64.0
    static let margin = (top: 56.0, right: 96.0, bottom: 24.0)
    /// The colour scale from no share to all of a class (ColorBrewer "Blues" end points and middle).
    static let scale: [(position: Double, rgb: (Double, Double, Double))] = [
        (0, (247, 251, 255)), (0.5, (107, 174, 214)), (1, (8, 48, 107)),
    ]

    public init(confusion: ConfusionMatrix, classNames: [String], title: String) {
        precondition(classNames.count == confusion.classCount, "ConfusionMatrixChart: one name per class")
        self.confusion = confusion
        self.classNames = classNames
        self.title = title
    }

    /// The SVG file (`emotion evaluate --plot`).
    public var svg: String { rendered(standalone: true) }

    /// The `<svg>` element for an HTML page.
    public var inlineSVG: String { rendered(standalone: false) }

    /// The colour of a cell holding `share` (0...1) of its row.
    static func color(_ share: Double) -> String {
        let share = min(max(share, 0), 1)
        let upper = scale.firstIndex { $0.position >= share } ?? scale.count - 1
        let lower = max(upper - 1, 0)
        let (a, b) = (scale[lower], scale[upper])
        let t = b.position > a.position ? (share - a.position) / (b.position - a.position) : 0
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * t).rounded()) }
        let (r, g, bl) = (channel(a.rgb.0, b.rgb.0), channel(a.rgb.1, b.rgb.1), channel(a.rgb.2, b.rgb.2))
        return "#" + [r, g, bl].map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    private func rendered(standalone: Bool) -> String {
        let n = classNames.count
        let cell = Self.cellSize, margin = Self.margin
        let longest = Double(classNames.map(\.count).max() ?? 0)
        // Names along the bottom turn 40° when they would not fit under their column.
        let rotated = longest * 7.2 > cell - 6
        let left = max(70, longest * 7.2 + 44)
        let bottomLabels = rotated ? longest * 5.6 + 30 : 34
        let width = left + Double(n) * cell + margin.right
        let height = margin.top + Double(n) * cell + bottomLabels + 28 + margin.bottom
        let (x0, y0) = (left, margin.top)
        let rowTotals = confusion.counts.map { $0.reduce(0, +) }

        var lines = [
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(SVG.number(x0 + Double(n) * cell / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
                + "\(escapedMarkup(title))</text>",
            "<text x=\"\(SVG.number(x0 + Double(n) * cell / 2))\" y=\"42\" text-anchor=\"middle\" fill=\"#555\">"
                + "accuracy \(String(format: "%.4f", confusion.accuracy)) on \(confusion.total) images; "
                + "colour: share of the true class</text>",
        ]
        for (row, counts) in confusion.counts.enumerated() {
            let y = y0 + Double(row) * cell
            lines.append("<text x=\"\(SVG.number(x0 - 10))\" y=\"\(SVG.number(y + cell / 2))\" text-anchor=\"end\" "
                + "dominant-baseline=\"middle\">\(escapedMarkup(classNames[row]))</text>")
            for (column, count) in counts.enumerated() {
                let x = x0 + Double(column) * cell
                let share = rowTotals[row] > 0 ? Double(count) / Double(rowTotals[row]) : 0
                let ink = share > 0.55 ? "white" : "#1a1a1a"
                lines.append("<rect class=\"cell\" data-true=\"\(row)\" data-predicted=\"\(column)\" data-count=\"\(count)\" "
                    + "x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" width=\"\(SVG.number(cell))\" "
                    + "height=\"\(SVG.number(cell))\" fill=\"\(Self.color(share))\" stroke=\"white\" stroke-width=\"2\">"
                    + "<title>true \(escapedMarkup(classNames[row])), predicted \(escapedMarkup(classNames[column])): "
                    + "\(count)</title></rect>")
                lines.append("<text x=\"\(SVG.number(x + cell / 2))\" y=\"\(SVG.number(y + cell / 2 - 4))\" "
                    + "text-anchor=\"middle\" font-size=\"16\" font-weight=\"\(row == column ? "bold" : "normal")\" "
                    + "fill=\"\(ink)\">\(count)</text>")
                if rowTotals[row] > 0 {
                    lines.append("<text x=\"\(SVG.number(x + cell / 2))\" y=\"\(SVG.number(y + cell / 2 + 14))\" "
                        + "text-anchor=\"middle\" font-size=\"10\" fill=\"\(ink)\">"
                        + "\(Int((share * 100).rounded()))%</text>")
                }
            }
        }
        let labelsY = y0 + Double(n) * cell + 14
        for (column, name) in classNames.enumerated() {
            let x = x0 + Double(column) * cell + cell / 2
            lines.append(rotated
                ? "<text transform=\"translate(\(SVG.number(x + 4)) \(SVG.number(labelsY))) rotate(-40)\" "
                    + "text-anchor=\"end\" dominant-baseline=\"hanging\">\(escapedMarkup(name))</text>"
                : "<text x=\"\(SVG.number(x))\" y=\"\(SVG.number(labelsY))\" text-anchor=\"middle\" "
                    + "dominant-baseline=\"hanging\">\(escapedMarkup(name))</text>")
        }
        lines.append("<text x=\"\(SVG.number(x0 + Double(n) * cell / 2))\" y=\"\(SVG.number(labelsY + bottomLabels))\" "
            + "text-anchor=\"middle\" font-weight=\"bold\">predicted class</text>")
        lines.append("<text transform=\"translate(16 \(SVG.number(y0 + Double(n) * cell / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\" font-weight=\"bold\">true class</text>")
        lines += legend(x: x0 + Double(n) * cell + 24, y: y0, height: Double(n) * cell)
        return SVG.wrap(lines, width: width, height: height, standalone: standalone, label: title)
    }

    /// A vertical colour bar from 0% (bottom) to 100% (top) of the true class.
    private func legend(x: Double, y: Double, height: Double) -> [String] {
        let steps = 20
        var lines: [String] = []
        for step in 0..<steps {
            let share = (Double(step) + 0.5) / Double(steps)
            let top = y + height * (1 - Double(step + 1) / Double(steps))
            lines.append("<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(top))\" width=\"14\" "
                + "height=\"\(SVG.number(height / Double(steps) + 0.5))\" fill=\"\(Self.color(share))\"/>")
        }
        lines.append("<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" width=\"14\" height=\"\(SVG.number(height))\" "
            + "fill=\"none\" stroke=\"#999\"/>")
        for share in [0.0, 0.5, 1.0] {
            lines.append("<text x=\"\(SVG.number(x + 20))\" y=\"\(SVG.number(y + height * (1 - share)))\" "
                + "dominant-baseline=\"middle\" fill=\"#555\">\(Int(share * 100))%</text>")
        }
        return lines
    }
}

extension String {
    /// Pads with zeros on the left to `length` characters.
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
