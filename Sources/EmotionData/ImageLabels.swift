// labels.csv for `predict --labels`: the true class of each picture (columns file,label), looked up by
// the path relative to the folder given on the command line or, failing that, by the file's name.

import Foundation

public enum ImageLabelsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read the labels file \(path): \(reason)"
        case .malformed(let path, let line, let reason): return "\(path), line \(line): \(reason)"
        }
    }
}

/// The labels of a labels.csv file.
public struct ImageLabels: Sendable, Equatable {
    /// Label by the file column as written (`/`-separated relative path or a bare name).
    public let labelsByFile: [String: String]

    /// Parses CSV text with a `file,label` header (fields may be double-quoted). Blank lines are ignored;
    /// a row without two fields, or a file listed twice with different labels, is an error.
    public init(csv text: String, path: String) throws {
        var rows = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
            .enumerated().map { (line: $0.offset + 1, fields: Self.fields(of: String($0.element))) }
            .filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }
        guard let header = rows.first, header.fields.map({ $0.lowercased() }) == ["file", "label"] else {
            throw ImageLabelsError.malformed(path: path, line: 1, reason: "the header must be 'file,label'")
        }
        rows.removeFirst()
        var labels: [String: String] = [:]
        for row in rows {
            guard row.fields.count == 2, !row.fields[0].isEmpty, !row.fields[1].isEmpty else {
                throw ImageLabelsError.malformed(
                    path: path, line: row.line, reason: "expected two non-empty fields file,label")
            }
            let file = row.fields[0].hasPrefix("./") ? String(row.fields[0].dropFirst(2)) : row.fields[0]
            if let previous = labels[file], previous != row.fields[1] {
                throw ImageLabelsError.malformed(
                    path: path, line: row.line, reason: "\(file) is labelled both \(previous) and \(row.fields[1])")
            }
            labels[file] = row.fields[1]
        }
        labelsByFile = labels
    }

    /// Reads and parses the labels file at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ImageLabelsError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ImageLabelsError.unreadable(path: url.path, reason: "not UTF-8 text")
        }
        try self.init(csv: text, path: url.path)
    }

    /// The label of the image at `relativePath`: an exact match of the relative path, else a row naming
    /// just the file's name.
    public func label(forRelativePath relativePath: String) -> String? {
        if let label = labelsByFile[relativePath] { return label }
        let name = (relativePath as NSString).lastPathComponent
        return labelsByFile[name]
    }

    /// The fields of one CSV line (RFC 4180 quoting: "a,b" and "" for a quote), trimmed of spaces.
    private static func fields(of line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" {
                    guard let next = characters.next() else { quoted = false; break }
                    if next == "\"" { field.append("\"") } else {
                        quoted = false
                        if next == "," { fields.append(field); field = "" } else { field.append(next) }
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.allSatisfy(\.isWhitespace) {
                quoted = true
                field = ""
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
