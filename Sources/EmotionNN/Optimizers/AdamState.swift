// AdamState: what Adam carries from step to step, by parameter name, and its safetensors form for checkpoints.

import Foundation

/// Adam's state outside the optimizer (`Adam.state`, `Adam.restore`): restoring it makes the next steps
/// bit-identical to those of an uninterrupted run.
public struct AdamState: Sendable, Equatable {
    /// The first and second moment of one parameter (its shape).
    public struct Moments: Sendable, Equatable {
        public var first: Tensor
        public var second: Tensor

        public init(first: Tensor, second: Tensor) {
            self.first = first
            self.second = second
        }
    }

    /// Steps taken (bias correction and Keras-style schedules count from it).
    public var iterations: Int
    /// The rate the last step used or a schedule set since.
    public var learningRate: Float
    /// By parameter name; parameters never stepped (frozen ones) have none.
    public var moments: [String: Moments]

    public init(iterations: Int, learningRate: Float, moments: [String: Moments]) {
        self.iterations = iterations
        self.learningRate = learningRate
        self.moments = moments
    }

    /// As safetensors: tensors `adam.m.<parameter>` and `adam.v.<parameter>` (sorted by name), metadata
    /// `adam.iterations` and `adam.learning_rate` (exact decimal text), so a checkpoint file can hold it.
    public var safeTensors: SafeTensors.Contents {
        let names = moments.keys.sorted()
        return SafeTensors.Contents(
            tensors: names.map { ("adam.m.\($0)", moments[$0]!.first) } + names.map { ("adam.v.\($0)", moments[$0]!.second) },
            metadata: ["adam.iterations": String(iterations), "adam.learning_rate": "\(learningRate)"])
    }

    /// Reads `safeTensors` back (other tensors and metadata in `contents` are ignored); `file` names the source
    /// in errors.
    public init(_ contents: SafeTensors.Contents, file: String) throws(AdamStateError) {
        guard let iterationsText = contents.metadata["adam.iterations"], let iterations = Int(iterationsText),
              let rateText = contents.metadata["adam.learning_rate"], let learningRate = Float(rateText)
        else { throw .missingMetadata(file: file) }
        var firsts: [String: Tensor] = [:], seconds: [String: Tensor] = [:]
        for (name, tensor) in contents.tensors {
            if name.hasPrefix("adam.m.") { firsts[String(name.dropFirst(7))] = tensor }
            if name.hasPrefix("adam.v.") { seconds[String(name.dropFirst(7))] = tensor }
        }
        var moments: [String: Moments] = [:]
        for name in Set(firsts.keys).union(seconds.keys) {
            guard let first = firsts[name], let second = seconds[name] else {
                throw .unpairedMoment(name, file: file)
            }
            moments[name] = Moments(first: first, second: second)
        }
        self.init(iterations: iterations, learningRate: learningRate, moments: moments)
    }
}

/// Why an Adam state could not be read or restored.
public enum AdamStateError: Error, Equatable, CustomStringConvertible {
    case unknownParameter(String)
    case shapeMismatch(String, expected: [Int], found: [Int])
    case negativeIterations(Int)
    case missingMetadata(file: String)
    case unpairedMoment(String, file: String)

    public var description: String {
        switch self {
        case .unknownParameter(let name):
            return "Adam state: the model has no parameter \(name)"
        case .shapeMismatch(let name, let expected, let found):
            return "Adam state: moments of \(name) have shape \(found), the parameter \(expected)"
        case .negativeIterations(let count):
            return "Adam state: \(count) iterations"
        case .missingMetadata(let file):
            return "\(file): no Adam state (metadata adam.iterations and adam.learning_rate missing or not numbers)"
        case .unpairedMoment(let name, let file):
            return "\(file): Adam state of \(name) lacks its first or second moment (adam.m.\(name), adam.v.\(name))"
        }
    }
}
