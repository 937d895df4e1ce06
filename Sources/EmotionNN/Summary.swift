// Sequential.summary(): a Keras 3 style table of layers, output shapes and parameter counts.

extension Sequential {
    /// The model as Keras 3 prints it: `Layer (type) │ Output Shape │ Param #`, then the totals.
    public func summary() -> String {
        let rows = summaryRows.map { row in
            ("\(row.name) (\(row.type))", "(None, " + row.outputShape.map(String.init).joined(separator: ", ") + ")",
             Self.grouped(row.parameters))
        }
        let header = ("Layer (type)", "Output Shape", "Param #")
        let widths = [
            max(31, rows.map(\.0.count).max() ?? 0), max(22, rows.map(\.1.count).max() ?? 0),
            max(13, rows.map(\.2.count).max() ?? 0),
        ]
        func line(_ left: String, _ fill: String, _ join: String, _ right: String) -> String {
            left + widths.map { String(repeating: fill, count: $0 + 2) }.joined(separator: join) + right
        }
        func row(_ cells: (String, String, String), _ bar: String) -> String {
            let padded = [
                cells.0.padding(toLength: widths[0], withPad: " ", startingAt: 0),
                cells.1.padding(toLength: widths[1], withPad: " ", startingAt: 0),
                String(repeating: " ", count: widths[2] - cells.2.count) + cells.2,
            ]
            return bar + padded.map { " \($0) " }.joined(separator: bar) + bar
        }
        var lines = ["Model: \"\(name)\"", line("┏", "━", "┳", "┓"), row(header, "┃"), line("┡", "━", "╇", "┩")]
        for (index, cells) in rows.enumerated() {
            if index > 0 { lines.append(line("├", "─", "┼", "┤")) }
            lines.append(row(cells, "│"))
        }
        lines.append(line("└", "─", "┴", "┘"))
        let total = parameterCount, trainable = trainableParameterCount
        lines.append(" Total params: \(Self.grouped(total)) (\(Self.memorySize(total * 4)))")
        lines.append(" Trainable params: \(Self.grouped(trainable)) (\(Self.memorySize(trainable * 4)))")
        lines.append(" Non-trainable params: \(Self.grouped(total - trainable)) (\(Self.memorySize((total - trainable) * 4)))")
        return lines.joined(separator: "\n")
    }

    /// One row per layer: its name, Keras class name, output shape (without the batch) and parameter count.
    public var summaryRows: [(name: String, type: String, outputShape: [Int], parameters: Int)] {
        var shape = inputShape
        return layers.map { layer in
            shape = layer.outputShape(forInputShape: shape)
            return (layer.name, layer.kerasClassName, shape, layer.parameters.reduce(0) { $0 + $1.count })
        }
    }

    /// 4353862 → "4,353,862".
    static func grouped(_ value: Int) -> String {
        var digits = String(value)
        var index = digits.endIndex
        while digits.distance(from: digits.startIndex, to: index) > 3 {
            index = digits.index(index, offsetBy: -3)
            digits.insert(",", at: index)
        }
        return digits
    }

    /// Keras's `readable_memory_size`: 17415448 → "16.61 MB" (powers of 1024, two decimals).
    static func memorySize(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var size = Double(bytes)
        var unit = 0
        while size >= 1024 && unit < units.count - 1 {
            size /= 1024
            unit += 1
        }
        return formatTwoDecimals(size) + " " + units[unit]
    }

    private static func formatTwoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
