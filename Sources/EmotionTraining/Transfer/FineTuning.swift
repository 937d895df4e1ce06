// Transfer learning pieces `finetune` orchestrates: which backbone units the second phase unfreezes,
// the settings recorded in config.json, and the frozen-backbone feature cache the head trains on.

import Foundation
import EmotionNN

/// How much of the backbone the fine-tuning phase unfreezes: nothing (head only), the top N units
/// (head conv first, then blocks downwards), or everything.
public enum UnfreezeChoice: Codable, Sendable, Equatable, CustomStringConvertible {
    case none
    case top(Int)
    case all

    /// Reads `none`, `all` or a positive integer; nil for anything else.
    public init?(argument: String) {
        switch argument {
        case "none": self = .none
        case "all": self = .all
        default:
            guard let count = Int(argument), count > 0 else { return nil }
            self = .top(count)
        }
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .all: return "all"
        case .top(let count): return String(count)
        }
    }

    /// The `topUnits` argument of `BackboneClassifier.unfreezeBackbone` (nil: all), or nil for `.none`.
    public var topUnits: Int?? {
        switch self {
        case .none: return nil
        case .all: return .some(nil)
        case .top(let count): return .some(count)
        }
    }

    // Stored as its argument text ("none", "all", "20") so config.json reads as the command line did.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let choice = UnfreezeChoice(argument: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "'\(text)' is not none, all or a positive integer"))
        }
        self = choice
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The `finetune` options beyond `TrainingSettings`, recorded in config.json (absent for Task 1 models).
public struct FineTuneSettings: Codable, Sendable, Equatable {
    /// The pretrained weights file as given on the command line.
    public var weights: String
    public var imageSize: Int
    public var unfreeze: UnfreezeChoice
    public var fineTuneEpochs: Int
    public var fineTuneLearningRate: Double

    public init(weights: String, imageSize: Int, unfreeze: UnfreezeChoice, fineTuneEpochs: Int,
                fineTuneLearningRate: Double) {
        self.weights = weights
        self.imageSize = imageSize
        self.unfreeze = unfreeze
        self.fineTuneEpochs = fineTuneEpochs
        self.fineTuneLearningRate = fineTuneLearningRate
    }
}

/// What the frozen backbone computes once per image of a labelled set for `finetune`, in inference mode:
/// the pooled features the head trains on and, when a fine-tuning phase follows, the activations entering
/// the top units that phase runs (one pass through the units below serves both).
public struct FrozenBackboneCache: Sendable {
    /// [n, 1, 1, featureCount]: the input of `BackboneClassifier.head`.
    public let features: Tensor
    /// The input of `classifier.tail(topUnits: unitsPerStep)`, when `unitsPerStep` was given.
    public let entering: Tensor?
    public let labels: [Int32]
    public let seconds: Double

    /// Runs the frozen backbone of `classifier` over `images` [n, S, S, 3] in batches of `batchSize`;
    /// keeps the activations entering the top `unitsPerStep` units when that is given.
    public init(_ classifier: BackboneClassifier, images: Tensor, labels: [Int32], unitsPerStep: Int? = nil,
                batchSize: Int) {
        let start = Date()
        if labels.isEmpty {
            features = Tensor(uninitializedShape: [0, 1, 1, classifier.backbone.featureCount])
            entering = unitsPerStep.map { _ in images }
        } else if let unitsPerStep {
            let activations = classifier.activations(enteringTopUnits: unitsPerStep, of: images, batchSize: batchSize)
            features = classifier.extractFeatures(activations, enteringTopUnits: unitsPerStep, batchSize: batchSize)
            entering = activations
        } else {
            features = classifier.extractFeatures(images, batchSize: batchSize)
            entering = nil
        }
        self.labels = labels
        seconds = Date().timeIntervalSince(start)
    }

    public var imagesPerSecond: Double { seconds > 0 ? Double(labels.count) / seconds : 0 }
}
