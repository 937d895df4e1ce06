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
/// `TransferLearning` (the `finetune` command) uses it like this:
/// ```
/// let net = try ModelZoo.makeBackboneClassifier(name: "efficientnet-lite0", classes: 6, seed: 1)
/// try net.loadBackboneWeights(from: weightsURL)      // timm safetensors, strict by name
/// net.freezeBackbone()                               // weights frozen, BN on running statistics
/// net.pooledFeatures(batch)                          // once per image: [n, 1, 1, 1280], the head's input
/// net.activations(enteringTopUnits: 6, of: batch)    // once per image: what the top 6 units take
/// // phase 1 trains net.head on the features; then
/// net.unfreezeBackbone(topUnits: 6)                  // phase 2 trains net.tail(topUnits: 6) at a lower rate
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
        // The head view holds the same, already built layer objects, so both views share their parameters.
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

    /// Pooled backbone features [N, 1, 1, featureCount] (the input of `head`) in inference mode, in batches
    /// of `batchSize`, of `input`: images [N, S, S, 3], or the activations entering the top `topUnits`
    /// units (`activations(enteringTopUnits:of:)`), of which only those units then run.
    public func extractFeatures(_ input: Tensor, enteringTopUnits topUnits: Int? = nil, batchSize: Int = 32) -> Tensor {
        mapBatches(of: input, batchSize: batchSize, outputShape: [1, 1, backbone.featureCount]) { batch in
            pooledFeatures(batch, enteringTopUnits: topUnits)
        }
    }

    /// The activations entering the top `topUnits` backbone units, for `images` [N, S, S, 3], computed by
    /// the units below in inference mode, in batches of `batchSize`: the input of `tail(topUnits:)`. With
    /// the bottom frozen these never change, so a fine-tuning phase computes them once.
    public func activations(enteringTopUnits topUnits: Int, of images: Tensor, batchSize: Int = 32) -> Tensor {
        let shape = backbone.units.dropLast(topUnits).reduce(Array(images.shape.dropFirst())) {
            $1.outputShape(forInputShape: $0)
        }
        return mapBatches(of: images, batchSize: batchSize, outputShape: shape) { batch in
            activations(enteringTopUnits: topUnits, of: batch)
        }
    }

    /// `activations(enteringTopUnits:of:batchSize:)` of one batch, without a tape.
    public func activations(enteringTopUnits topUnits: Int, of batch: Variable) -> Variable {
        backbone.units.dropLast(topUnits).reduce(batch) { $1($0, mode: .inference) }
    }

    /// `extractFeatures` of one batch (images, or the activations entering the top `topUnits` units),
    /// without a tape: [n, 1, 1, featureCount].
    public func pooledFeatures(_ batch: Variable, enteringTopUnits topUnits: Int? = nil) -> Variable {
        let units = backbone.units.suffix(topUnits ?? backbone.units.count)
        return globalAveragePool(units.reduce(batch) { $1($0, mode: .inference) })
    }

    /// How many top units a fine-tuning phase with the top `topUnits` unfrozen should run per step on
    /// cached activations: `topUnits`, or every unit (training on the images themselves) when the
    /// activations entering them would be larger than the images.
    public func unitsRunPerStep(unfreezing topUnits: Int) -> Int {
        let all = backbone.units.count
        let count = min(topUnits, all)
        let boundary = backbone.units.dropLast(count).reduce(model.inputShape) { $1.outputShape(forInputShape: $0) }
        return boundary.reduce(1, *) <= model.inputShape.reduce(1, *) ? count : all
    }

    /// The top `topUnits` backbone units followed by the head, as one model over the activations entering
    /// those units (`activations(enteringTopUnits:of:)`). It holds the same layer objects as `model`, so
    /// training it trains `model`.
    public func tail(topUnits: Int) -> Sequential {
        let count = min(topUnits, backbone.units.count)
        let bottom = backbone.units.dropLast(count)
        let inputShape = bottom.reduce(model.inputShape) { $1.outputShape(forInputShape: $0) }
        return Sequential(name: "\(backboneName)-top\(count)", inputShape: inputShape,
                          layers: Array(backbone.units.suffix(count)) + model.layers.dropFirst())
    }

    /// `transform` applied to `images` [N, …] in batches of `batchSize` without a tape, the results
    /// ([rows] + `outputShape`) gathered into one tensor [N] + `outputShape`.
    private func mapBatches(
        of images: Tensor, batchSize: Int, outputShape: [Int], _ transform: (Variable) -> Variable
    ) -> Tensor {
        precondition(images.rank == 4, "BackboneClassifier: input \(images.shape) is not [N, H, W, C]")
        let count = images.shape[0]
        let outputCount = outputShape.reduce(1, *)
        var result = Tensor(uninitializedShape: [count] + outputShape)
        var start = 0
        while start < count {
            let rows = min(batchSize, count - start)
            let batch = images.rows(Array(start..<(start + rows)))
            let output = transform(Variable(batch)).value
            precondition(output.count == rows * outputCount,
                         "BackboneClassifier: batch output \(output.shape) is not [\(rows)] + \(outputShape)")
            output.withUnsafeBufferPointer { source in
                result.withUnsafeMutableBufferPointer { target in
                    target.baseAddress!.advanced(by: start * outputCount).update(from: source.baseAddress!, count: source.count)
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
