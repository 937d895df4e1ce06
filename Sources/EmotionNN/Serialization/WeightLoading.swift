// Saving a model's parameters to safetensors and loading them back by name, with a report of what did
// not match (missing, unexpected, wrongly shaped).

import Foundation

/// What loading weights by name found.
public struct WeightLoadReport: Sendable, Equatable {
    /// Parameters that received a tensor.
    public var loaded: [String] = []
    /// Parameters with no tensor of their name in the file.
    public var missing: [String] = []
    /// Tensors in the file that no parameter has the name of.
    public var unexpected: [String] = []
    /// Tensors whose shape differs from the parameter's: (name, parameter shape, file shape).
    public var mismatched: [Mismatch] = []

    public struct Mismatch: Sendable, Equatable {
        public var name: String
        public var expected: [Int]
        public var found: [Int]
    }

    /// True when every parameter was loaded and the file had nothing else.
    public var isExact: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }
}

extension WeightLoadReport: CustomStringConvertible {
    public var description: String {
        var parts = ["loaded \(loaded.count)"]
        if !missing.isEmpty { parts.append("missing: " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { parts.append("unexpected: " + unexpected.joined(separator: ", ")) }
        if !mismatched.isEmpty {
            parts.append("wrong shape: " + mismatched.map { "\($0.name) (model \($0.expected), file \($0.found))" }
                .joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }
}

/// A weights file that does not match the model.
public enum WeightLoadingError: Error, CustomStringConvertible, Equatable {
    case mismatch(file: String, report: WeightLoadReport)

    public var description: String {
        switch self {
        case .mismatch(let file, let report):
            return "\(file): the weights do not match the model (\(report))"
        }
    }
}

/// Assigns `tensors` to `parameters` by name. Strict: everything must match exactly, else nothing is
/// assigned and `WeightLoadingError` is thrown. Partial (`strict == false`): matching tensors are assigned
/// and the rest reported. A wrongly shaped tensor is never assigned.
public func loadWeights(
    _ tensors: [(name: String, tensor: Tensor)], into parameters: [Parameter], strict: Bool, file: String
) throws -> WeightLoadReport {
    var report = WeightLoadReport()
    var byName: [String: Tensor] = [:]
    for (name, tensor) in tensors { byName[name] = tensor }
    var assignments: [(Parameter, Tensor)] = []
    for parameter in parameters {
        guard let tensor = byName.removeValue(forKey: parameter.name) else {
            report.missing.append(parameter.name)
            continue
        }
        if tensor.shape == parameter.value.shape {
            assignments.append((parameter, tensor))
            report.loaded.append(parameter.name)
        } else {
            report.mismatched.append(.init(name: parameter.name, expected: parameter.value.shape, found: tensor.shape))
        }
    }
    report.unexpected = tensors.map(\.name).filter { byName[$0] != nil }
    if strict && !report.isExact { throw WeightLoadingError.mismatch(file: file, report: report) }
    for (parameter, tensor) in assignments {
        parameter.value = tensor
    }
    return report
}

extension Sequential {
    /// Saves all parameters (named `layer.kernel`, `layer.bias`) and `metadata` to a safetensors file,
    /// atomically.
    public func saveWeights(to url: URL, metadata: [String: String] = [:]) throws {
        let contents = SafeTensors.Contents(tensors: parameters.map { ($0.name, $0.value) }, metadata: metadata)
        try SafeTensors.write(contents, to: url)
    }

    /// Loads parameters by name from a safetensors file (see `loadWeights(_:into:strict:file:)`) and returns
    /// the report and the file's metadata.
    @discardableResult
    public func loadWeights(from url: URL, strict: Bool = true) throws -> (report: WeightLoadReport, metadata: [String: String]) {
        let contents = try SafeTensors.read(contentsOf: url)
        let report = try EmotionNN.loadWeights(contents.tensors, into: parameters, strict: strict, file: url.path)
        return (report, contents.metadata)
    }
}
