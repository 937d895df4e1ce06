// Task 2's transfer-learning model: a pretrained EfficientNet backbone with the assignment's head
// (GlobalAveragePooling → Dense(128, relu) → Dropout(0.5) → Dense(classes, softmax)), two views of the
// same layers (the whole model, and the head alone on cached backbone features), and freezing.

import Foundation
import EmotionNN

/// Backbone + head. `model` is an ordinary `Sequential` (trainable with `Trainer`, saved and loaded by
/// name like a Task 1 model: backbone tensors under timm names in our HWIO layout, head as `dense.kernel`
/// …). `head` is a second `Sequential` over the SAME head layers (same `Parameter` objects) whose input is
/// one cached feature vector shaped [1, 1, featureCount], on which the global average pooling is the
/// identity, so a frozen-backbone phase trains the head on `extractFeatures` output in seconds.
///
/// Typical use (the `finetune` command):
/// ```
/// let net = try ModelZoo.makeBackboneClassifier(name: "efficientnet-lite0", classes: 6, seed: 1)
/// try net.loadBackboneWeights(from: weightsURL)          // timm safetensors, strict by name
/// net.freezeBackbone()                                   // weights frozen, BN on running statistics
/// let features = net.extractFeatures(images)             // once per image: [N, 1, 1, 1280]
/// Trainer(model: net.head, ...)                          // head epochs on features
/// net.unfreezeBackbone(topUnits: 20)                     // then fine-tune the top units at a lower rate
/// Trainer(model: net.model, ...)                         // on images
/// ```
public final class BackboneClassifier {
    /// The zoo name of the backbone (`efficientnet-lite0`, `efficientnetv2-b3`).
    public let backboneName: String
    public let backbone: EfficientNet
    /// images [S, S, 3] (v/127.5 − 1) → backbone → head → class probabilities.
    public let model: Sequential
    /// cached features [1, 1, featureCount] → the same head → class probabilities.
    public let head: Sequential

    /// Adds the assignment's head for `classes` classes (head weights seeded by `seed`) to `backbone`,
    /// for `imageSize`×`imageSize` RGB inputs. The backbone starts frozen.
    public init(backboneName: String, backbone: EfficientNet, imageSize: Int, classes: Int, seed: UInt64) {
        self.backboneName = backboneName
        self.backbone = backbone
        let headLayers: [any Layer] = [
            GlobalAveragePooling2D(),
            Dense(units: 128, activation: .relu),
            Dropout(rate: 0.5),
            Dense(units: classes, activation: .softmax),
        ]
        model = Sequential(name: backboneName, inputShape: [imageSize, imageSize, 3], layers: [backbone] + headLayers,
                           seed: seed)
        // Building the head again re-creates its Dense parameters, which both views then share (they hold
        // the same layer objects); the draws are the same seeded ones.
        head = Sequential(name: "\(backboneName)-head", inputShape: [1, 1, backbone.featureCount], layers: headLayers,
                          seed: seed)
        freezeBackbone()
    }

    /// Backbone units (stem, each block, head conv) that `unfreezeBackbone(topUnits:)` counts.
    public var backboneUnitCount: Int { backbone.units.count }

    /// Freezes every backbone weight and keeps every batch norm on its running statistics.
    public func freezeBackbone() {
        backbone.freeze(exceptTop: 0)
    }

    /// Makes the top `topUnits` backbone units trainable (nil: all of them), counting from the head conv
    /// down through the blocks to the stem. Batch norms stay on their running statistics unless
    /// `trainBatchNormStatistics` (Keras' fine-tuning advice is to keep them frozen).
    public func unfreezeBackbone(topUnits: Int?, trainBatchNormStatistics: Bool = false) {
        backbone.freeze(exceptTop: topUnits ?? backbone.units.count, trainBatchNormStatistics: trainBatchNormStatistics)
    }

    /// Pooled backbone features [N, 1, 1, featureCount] of `images` [N, S, S, 3] in inference mode, in
    /// batches of `batchSize` (the input of `head`).
    public func extractFeatures(_ images: Tensor, batchSize: Int = 32) -> Tensor {
        precondition(images.rank == 4, "extractFeatures: images \(images.shape) are not [N, H, W, 3]")
        let count = images.shape[0], imageCount = images.count / max(count, 1), features = backbone.featureCount
        var result = Tensor(uninitializedShape: [count, 1, 1, features])
        var start = 0
        while start < count {
            let rows = min(batchSize, count - start)
            let batch = images.withUnsafeBufferPointer { source in
                Tensor(shape: [rows] + images.shape.dropFirst(),
                       scalars: Array(source[(start * imageCount)..<((start + rows) * imageCount)]))
            }
            let pooled = backbone.features(Variable(batch), mode: .inference).value
            pooled.withUnsafeBufferPointer { source in
                result.withUnsafeMutableBufferPointer { target in
                    for index in 0..<(rows * features) { target[start * features + index] = source[index] }
                }
            }
            start += rows
        }
        return result
    }

    /// Loads pretrained timm weights into the backbone (strict by name; classifier tensors are ignored).
    @discardableResult
    public func loadBackboneWeights(from url: URL, strict: Bool = true) throws -> WeightLoadReport {
        try backbone.loadTimmWeights(from: url, strict: strict)
    }
}
