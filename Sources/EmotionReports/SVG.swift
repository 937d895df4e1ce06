// What every chart and the HTML report share: the <svg> wrapper (a standalone file, or an element inlined
// in HTML, where the namespace is implied), coordinates written with two decimals, and markup escaping.

enum SVG {
    /// The `<svg>` element around `body`, `width`×`height` user units with a matching viewBox. Standalone
    /// (a .svg file) it has the XML declaration and the SVG namespace; inline (in HTML) it needs neither.
    static func wrap(_ body: [String], width: Double, height: Double, standalone: Bool, label: String) -> String {
        let namespace = standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : ""
        var lines = standalone ? ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"] : []
        lines.append("<svg\(namespace) width=\"\(number(width))\" height=\"\(number(height))\" "
            + "viewBox=\"0 0 \(number(width)) \(number(height))\" font-family=\"Helvetica, Arial, sans-serif\" "
            + "font-size=\"12\" role=\"img\" aria-label=\"\(escapedMarkup(label))\">")
        lines += body
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A coordinate with two decimals.
    static func number(_ value: Double) -> String { String(format: "%.2f", value) }
}

/// `text` safe inside an XML or HTML element or a double-quoted attribute.
func escapedMarkup(_ text: String) -> String {
    var result = ""
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        default: result.append(character)
        }
    }
    return result
}
