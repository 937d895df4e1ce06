// EfficientNet: the backbone shared by efficientnet-lite0 and efficientnetv2-b3 (stem → blocks → head conv
// → global average pool → optional ImageNet classifier), and loading timm safetensors by name.
//
// Layouts: activations NHWC; in memory, regular conv kernels HWIO [kh, kw, cin, cout], depthwise
// [kh, kw, C, 1], the classifier (a Dense) [in, out]. In timm files: conv OIHW [out, in, kh, kw], depthwise
// [C, 1, kh, kw], `classifier.weight` [out, in]. `timmToNative` is the one place that converts.

import Foundation
import EmotionNN

/// An EfficientNet-family backbone built from timm's module structure, so parameter names are timm's
/// (`conv_stem.weight`, `blocks.1.0.conv_pw.weight`, `bn2.running_var`; the ImageNet classifier is a Dense
/// named `classifier`, stored as `classifier.kernel`/`classifier.bias` and read from timm's
/// `classifier.weight`/`classifier.bias`).
///
/// As a `Layer` it maps images [H, W, 3] (preprocessed: v/127.5 − 1) to the final feature map
/// [⌈H/32⌉, ⌈W/32⌉, featureCount] (after conv_head + bn2 + activation), which a classifier head pools.
public final class EfficientNet: Layer {
    public var name: String
    public let stem: ConvBatchNorm
    /// All blocks in order (`blocks.<stage>.<index>`).
    public let blocks: [ResidualBlock]
    public let head: ConvBatchNorm
    /// The pretrained 1000-class classifier (Linear on the pooled features), when built with `classes`.
    public let classifier: Dense?
    /// Channels of the feature map and length of the pooled feature vector (1280 for Lite0, 1536 for V2-B3).
    public let featureCount: Int

    /// Builds the network with seeded Glorot-uniform kernels and identity batch norms (to be overwritten by
    /// `loadTimmWeights`). `classes` adds the ImageNet-style classifier.
    public init(name: String, stem: ConvBatchNorm, blocks: [ResidualBlock], head: ConvBatchNorm, featureCount: Int,
                classes: Int?, seed: UInt64) {
        self.name = name
        self.stem = stem
        self.blocks = blocks
        self.head = head
        self.featureCount = featureCount
        classifier = classes.map { Dense(units: $0, name: "classifier") }
        var generator = SeededGenerator(seed: seed)
        var shape = [224, 224, 3]
        for unit in units {
            unit.build(inputShape: shape, generator: &generator)
            shape = unit.outputShape(forInputShape: shape)
        }
        precondition(shape.last == featureCount, "EfficientNet \(name): head gives \(shape), not \(featureCount) features")
        classifier?.build(inputShape: [featureCount], generator: &generator)
    }

    public var kerasClassName: String { "Functional" }

    /// The stem, each block, then the head conv: the units `freeze(exceptTop:)` counts from the top.
    public var units: [any Layer] { [stem] + blocks + [head] }

    public var parameters: [Parameter] { units.flatMap(\.parameters) + (classifier?.parameters ?? []) }

    /// Every batch norm, stem to head.
    public var batchNorms: [BatchNorm2D] { [stem.norm] + blocks.flatMap(\.batchNorms) + [head.norm] }

    /// Already built in `init`; only checks that the input has 3 channels.
    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        precondition(inputShape.count == 3 && inputShape[2] == 3, "EfficientNet \(name): input \(inputShape) is not [H, W, 3]")
    }

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] {
        units.reduce(inputShape) { $1.outputShape(forInputShape: $0) }
    }

    /// The feature map [N, ⌈H/32⌉, ⌈W/32⌉, featureCount].
    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        units.reduce(x) { $1($0, mode: mode) }
    }

    /// The pooled feature vector [N, featureCount] (the transfer-learning feature).
    public func features(_ x: Variable, mode: Mode) -> Variable {
        globalAveragePool(self(x, mode: mode))
    }

    /// ImageNet logits [N, classes] (requires `classifier`).
    public func logits(_ x: Variable, mode: Mode) -> Variable {
        guard let classifier else { preconditionFailure("EfficientNet \(name): built without a classifier") }
        return classifier.logits(features(x, mode: mode), mode: mode)
    }

    /// Freezes the backbone except its top `count` units (the head conv is the top unit, then the last block,
    /// …; `units.count` unfreezes everything). Frozen units: weights not trainable and batch norms on their
    /// running statistics. Unfrozen units: weights trainable; their batch norms keep the running statistics
    /// too unless `trainBatchNormStatistics` (Keras' advice for fine-tuning on small data is to keep them).
    /// The ImageNet classifier, if any, is trainable when `count > 0`.
    public func freeze(exceptTop count: Int, trainBatchNormStatistics: Bool = false) {
        let allUnits = units
        for (index, unit) in allUnits.enumerated() {
            let trainable = index >= allUnits.count - count
            for parameter in unit.parameters where parameter.role != .buffer {
                parameter.isTrainable = trainable
            }
            let norms = (unit as? ResidualBlock)?.batchNorms ?? [(unit as? ConvBatchNorm)?.norm].compactMap { $0 }
            for norm in norms { norm.usesRunningStatistics = !(trainable && trainBatchNormStatistics) }
        }
        classifier?.parameters.forEach { $0.isTrainable = count > 0 }
    }

    /// Loads a timm safetensors file (OIHW conv kernels, [out, in] classifier) by name; see `timmToNative`.
    /// A backbone built without a classifier ignores the file's `classifier.*` tensors. Strict: every
    /// parameter must be present with the right shape and nothing else in the file, or nothing is loaded
    /// and the error lists the missing, unexpected and wrongly shaped tensors by name.
    @discardableResult
    public func loadTimmWeights(from url: URL, strict: Bool = true) throws -> WeightLoadReport {
        let contents = try SafeTensors.read(contentsOf: url)
        return try loadTimmWeights(contents.tensors, strict: strict, file: url.path)
    }

    /// `loadTimmWeights(from:strict:)` on tensors already read.
    @discardableResult
    public func loadTimmWeights(_ tensors: [(name: String, tensor: Tensor)], strict: Bool, file: String) throws -> WeightLoadReport {
        let wanted = tensors.filter { classifier != nil || !$0.name.hasPrefix("classifier.") }
        return try loadWeights(wanted.map(Self.timmToNative), into: parameters, strict: strict, file: file)
    }

    /// One timm tensor in our layout and naming: rank-4 conv kernels OIHW → HWIO (permutation (2, 3, 1, 0));
    /// depthwise kernels (`*.conv_dw.weight`) [C, 1, kh, kw] → [kh, kw, C, 1]; `classifier.weight` [out, in]
    /// → `classifier.kernel` [in, out]; everything else unchanged.
    public static func timmToNative(_ entry: (name: String, tensor: Tensor)) -> (name: String, tensor: Tensor) {
        let (name, tensor) = entry
        if tensor.rank == 4 {
            let hwio = permuted(tensor, order: [2, 3, 1, 0])
            guard name.hasSuffix("conv_dw.weight") && tensor.shape[1] == 1 else { return (name, hwio) }
            // [kh, kw, 1, C] and [kh, kw, C, 1] hold the same scalars in the same order.
            return (name, hwio.reshaped(to: [tensor.shape[2], tensor.shape[3], tensor.shape[0], 1]))
        }
        if name == "classifier.weight" && tensor.rank == 2 {
            return ("classifier.kernel", permuted(tensor, order: [1, 0]))
        }
        return (name, tensor)
    }

    /// `tensor` with its axes reordered: result axis i is input axis order[i].
    static func permuted(_ tensor: Tensor, order: [Int]) -> Tensor {
        let inShape = tensor.shape
        let outShape = order.map { inShape[$0] }
        var inStrides = [Int](repeating: 1, count: inShape.count)
        for axis in stride(from: inShape.count - 2, through: 0, by: -1) {
            inStrides[axis] = inStrides[axis + 1] * inShape[axis + 1]
        }
        let strides = order.map { inStrides[$0] }
        var result = Tensor(uninitializedShape: outShape)
        tensor.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                var index = [Int](repeating: 0, count: outShape.count)
                for position in 0..<target.count {
                    var offset = 0
                    for axis in 0..<index.count { offset += index[axis] * strides[axis] }
                    target[position] = source[offset]
                    var axis = index.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < outShape[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return result
    }

    /// The preprocessing both backbones expect: RGB bytes v in 0...255 → v / 127.5 − 1 (timm's mean 0.5,
    /// std 0.5), NHWC. `pixels` holds `count` images of H×W×3 bytes, row-major.
    public static func normalizedPixels(_ pixels: [UInt8], shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == pixels.count, "EfficientNet: \(pixels.count) bytes for shape \(shape)")
        return Tensor(shape: shape, scalars: pixels.map { Float($0) / 127.5 - 1 })
    }
}
