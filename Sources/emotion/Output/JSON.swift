// A small JSON value with ordered object keys, and its writer. Reports put keys in a documented order,
// which Foundation's JSONSerialization does not keep.

import Foundation

indirect enum JSON {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    /// Pretty-printed with two-space indentation; arrays of scalars, and objects of scalars inside arrays,
    /// stay on one line (so a confusion matrix reads as a matrix and each per-class record as a row).
    /// Non-finite numbers become `null`.
    func rendered() -> String {
        rendered(indent: 0)
    }

    /// As nested `indent` levels deep in a larger document (for writing one out piece by piece).
    func rendered(indent: Int) -> String {
        var out = ""
        render(into: &out, indent: indent)
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private func render(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closingPad = String(repeating: "  ", count: indent)
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .number(let value): out += value.isFinite ? "\(value)" : "null"  // shortest round-trip text
        case .string(let value): out += Self.quote(value)
        case .array(let items):
            if items.isEmpty {
                out += "[]"
            } else if items.allSatisfy(\.isScalar) {
                out += "["
                for (index, item) in items.enumerated() {
                    if index > 0 { out += ", " }
                    item.render(into: &out, indent: indent + 1)
                }
                out += "]"
            } else {
                out += "[\n"
                for (index, item) in items.enumerated() {
                    out += pad
                    item.render(into: &out, indent: indent + 1)
                    out += index < items.count - 1 ? ",\n" : "\n"
                }
                out += closingPad + "]"
            }
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            if indent > 0, members.allSatisfy({ $0.1.isScalar }) {
                out += "{"
                for (index, (key, value)) in members.enumerated() {
                    out += (index > 0 ? ", " : "") + Self.quote(key) + ": "
                    value.render(into: &out, indent: indent + 1)
                }
                out += "}"
                return
            }
            out += "{\n"
            for (index, (key, value)) in members.enumerated() {
                out += pad + Self.quote(key) + ": "
                value.render(into: &out, indent: indent + 1)
                out += index < members.count - 1 ? ",\n" : "\n"
            }
            out += closingPad + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
