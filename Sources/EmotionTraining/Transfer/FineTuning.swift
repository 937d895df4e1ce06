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
    /// nil in folders written before augmentation existed: read as `.none`.
    public var augmentation: Augmentation?

    public init(weights: String, imageSize: Int, unfreeze: UnfreezeChoice, fineTuneEpochs: Int,
                fineTuneLearningRate: Double, augmentation: Augmentation = .none) {
        self.weights = weights
        self.imageSize = imageSize
        self.unfreeze = unfreeze
        self.fineTuneEpochs = fineTuneEpochs
        self.fineTuneLearningRate = fineTuneLearningRate
        self.augmentation = augmentation
    }
}

/// What the frozen backbone computes once per image of a labelled set for `finetune`, in inference mode:
/// the pooled features the head trains on and, when a fine-tuning phase follows, the activations entering
/// the top units that phase runs (one pass through the units below serves both). With augmentation, for
/// every view of the images (`Augmentation.views`), stacked view after view.
public struct FrozenBackboneCache: Sendable {
    /// [views·n, 1, 1, featureCount]: the input of `BackboneClassifier.head`.
    public let features: Tensor
    /// The input of `classifier.tail(topUnits: unitsPerStep)`, when `unitsPerStep` was given.
    public let entering: Tensor?
    public let labels: [Int32]
    /// How many views of each image the tensors hold.
    public let views: Int
    public let seconds: Double

    /// Runs the frozen backbone of `classifier` over (the views of) `images` [n, S, S, 3] in batches of
    /// `batchSize`; keeps the activations entering the top `unitsPerStep` units when that is given.
    public init(_ classifier: BackboneClassifier, images: Tensor, labels: [Int32], unitsPerStep: Int? = nil,
                augmentation: Augmentation = .none, batchSize: Int) {
        let start = Date()
        var features: [Tensor] = [], entering: [Tensor] = []
        for view in augmentation.views(of: images) {
            if let unitsPerStep {
                let activations = classifier.activations(enteringTopUnits: unitsPerStep, of: view, batchSize: batchSize)
                features.append(classifier.extractFeatures(activations, enteringTopUnits: unitsPerStep, batchSize: batchSize))
                entering.append(activations)
            } else {
                features.append(classifier.extractFeatures(view, batchSize: batchSize))
            }
        }
        self.features = stackingRows(features)
        self.entering = unitsPerStep == nil ? nil : stackingRows(entering)
        self.labels = labels
        views = features.count
        seconds = Date().timeIntervalSince(start)
    }

    public var imagesPerSecond: Double { seconds > 0 ? Double(labels.count * views) / seconds : 0 }
}

/// Tensors of equal trailing shape [nᵢ, …] stacked into one [Σnᵢ, …].
func stackingRows(_ tensors: [Tensor]) -> Tensor {
    guard tensors.count > 1 else { return tensors[0] }
    let trailing = Array(tensors[0].shape.dropFirst())
    precondition(tensors.allSatisfy { Array($0.shape.dropFirst()) == trailing }, "stackingRows: shapes differ")
    var result = Tensor(uninitializedShape: [tensors.reduce(0) { $0 + $1.shape[0] }] + trailing)
    result.withUnsafeMutableBufferPointer { target in
        var offset = 0
        for tensor in tensors {
            tensor.withUnsafeBufferPointer { source in
                (target.baseAddress! + offset).update(from: source.baseAddress!, count: source.count)
            }
            offset += tensor.count
        }
    }
    return result
}
