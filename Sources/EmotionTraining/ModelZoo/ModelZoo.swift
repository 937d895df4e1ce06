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
        Entry(name: "efficientnet-lite0", inputShape: [224, 224, 3], summary: "EfficientNet-Lite0 backbone (timm tf_efficientnet_lite0) + the Task 2 head") {
            makeBackboneClassifier(backbone: .lite0, classes: $0, seed: $1).model
        },
        Entry(name: "efficientnetv2-b3", inputShape: [224, 224, 3], summary: "EfficientNetV2-B3 backbone (timm tf_efficientnetv2_b3) + the Task 2 head") {
            makeBackboneClassifier(backbone: .v2B3, classes: $0, seed: $1).model
        },
    ]

    /// The pretrained backbones (`finetune --backbone`).
    public enum Backbone: String, CaseIterable, Sendable {
        case lite0 = "efficientnet-lite0"
        case v2B3 = "efficientnetv2-b3"

        /// The backbone alone, with the 1000-class ImageNet classifier when `imageNetClassifier`.
        public func make(imageNetClassifier: Bool = false, seed: UInt64 = 0) -> EfficientNet {
            let classes = imageNetClassifier ? 1000 : nil
            switch self {
            case .lite0: return EfficientNetLite0.make(classes: classes, seed: seed)
            case .v2B3: return EfficientNetV2B3.make(classes: classes, seed: seed)
            }
        }
    }

    /// `backbone` + the Task 2 head for `imageSize`² inputs (backbone weights are placeholders until
    /// `loadBackboneWeights`).
    public static func makeBackboneClassifier(
        backbone: Backbone, classes: Int, seed: UInt64, imageSize: Int = 224
    ) -> BackboneClassifier {
        BackboneClassifier(backboneName: backbone.rawValue, backbone: backbone.make(seed: seed), imageSize: imageSize,
                           classes: classes, seed: seed)
    }

    /// `makeBackboneClassifier(backbone:…)` by zoo name; throws `unknownModel` for other names.
    public static func makeBackboneClassifier(
        name: String, classes: Int, seed: UInt64, imageSize: Int = 224
    ) throws -> BackboneClassifier {
        guard let backbone = Backbone(rawValue: name) else {
            throw ModelZooError.unknownModel(name: name, available: Backbone.allCases.map(\.rawValue))
        }
        return makeBackboneClassifier(backbone: backbone, classes: classes, seed: seed, imageSize: imageSize)
    }

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
