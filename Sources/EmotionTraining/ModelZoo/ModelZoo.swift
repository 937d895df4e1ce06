// ModelZoo: the named architectures the command line can build (`--model NAME`).

import EmotionNN

/// An architecture name that the zoo does not know.
public enum ModelZooError: Error, CustomStringConvertible, Equatable {
    case unknownModel(name: String, available: [String])

    public var description: String {
        switch self {
        case .unknownModel(let name, let available):
            return "unknown model '\(name)' (available: \(available.joined(separator: ", ")))"
        }
    }
}

/// Builds models by name: `ModelZoo.make(name: "task1-small", classes: 6, seed: 123)`.
public enum ModelZoo {
    /// One buildable architecture.
    public struct Entry: Sendable {
        public let name: String
        /// Input shape without the batch dimension, [height, width, channels].
        public let inputShape: [Int]
        public let summary: String
        let build: @Sendable (_ classes: Int, _ seed: UInt64) -> Sequential
    }

    /// All architectures, in the order `names` lists them.
    public static let entries: [Entry] = [
        Entry(name: "task1-small", inputShape: [100, 100, 3], summary: "Task 1 CNN on 100×100 RGB (4.35M parameters with 6 classes)") {
            Task1CNN.make(inputSize: 100, classes: $0, seed: $1)
        },
        Entry(name: "task1-large", inputShape: [224, 224, 3], summary: "Task 1 CNN on 224×224 RGB (23.9M parameters with 6 classes)") {
            Task1CNN.make(inputSize: 224, classes: $0, seed: $1)
        },
    ]

    /// The architecture names.
    public static var names: [String] { entries.map(\.name) }

    /// The entry called `name`.
    public static func entry(named name: String) throws -> Entry {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw ModelZooError.unknownModel(name: name, available: names)
        }
        return entry
    }

    /// A freshly initialised model `name` with `classes` outputs and weights drawn from `seed`.
    public static func make(name: String, classes: Int, seed: UInt64) throws -> Sequential {
        try entry(named: name).build(classes, seed)
    }
}
