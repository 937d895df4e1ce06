// Plain-text tables with aligned columns, for `evaluate`, `dataset` and `summary` output.

struct TextTable {
    enum Alignment { case left, right }

    let headers: [String]
    let alignments: [Alignment]
    private(set) var rows: [[String]] = []

    init(headers: [String], alignments: [Alignment]? = nil) {
        self.headers = headers
        self.alignments = alignments ?? [.left] + Array(repeating: .right, count: max(0, headers.count - 1))
    }

    mutating func append(_ row: [String]) {
        precondition(row.count == headers.count, "a row needs one cell per column")
        rows.append(row)
    }

    /// The table with a rule under the headers; columns separated by two spaces, no trailing spaces.
    func rendered(indent: String = "") -> String {
        let widths = headers.indices.map { column in
            ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { column, cell in
                alignments[column] == .left ? cell.padded(to: widths[column]) : cell.leftPadded(to: widths[column])
            }
            return indent + padded.joined(separator: "  ").replacingTrailingSpaces()
        }
        let rule = indent + String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        return ([line(headers), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

private extension String {
    func replacingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
