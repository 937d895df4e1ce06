// The BlazeFace short-range network (MediaPipe's face_detection_short_range): a 128x128x3 image in [-1, 1]
// to a face score logit and 16 regression values (box centre, size, six keypoints) for each of 896 anchors.
//
// Stem conv 5x5/2 3→24 + ReLU, 16 BlazeBlocks, and 1x1 heads on two maps: 16x16x88 (after block 10,
// 2 anchors per cell) and 8x8x96 (after block 15, 6 per cell). Anchor order: the 16x16 map's cells row by
// row with their 2 anchors, then the 8x8 map's with their 6, as `SSDAnchors` lists them.

import Foundation
import EmotionNN
import EmotionTensor

final class BlazeFace {
    static let inputSize = 128
    static let anchorCount = 896
    /// Values regressed per anchor: centre x, y, width, height, then x, y of six keypoints.
    static let regressionCount = 16

    /// (input channels, output channels, stride) of the blocks; block 10 feeds the 16x16 heads.
    private static let blockGeometry = [
        (24, 24, 1), (24, 28, 1), (28, 32, 2), (32, 36, 1), (36, 42, 1), (42, 48, 2), (48, 56, 1), (56, 64, 1),
        (64, 72, 1), (72, 80, 1), (80, 88, 1), (88, 96, 2), (96, 96, 1), (96, 96, 1), (96, 96, 1), (96, 96, 1),
    ]
    private static let fineMapBlock = 10

    let stem = Conv2D(filters: 24, kernelSize: 5, strides: 2, padding: .same, activation: .relu, name: "stem")
    let blocks: [BlazeBlock]
    let fineScores = Conv2D(filters: 2, kernelSize: 1, name: "classificator_8")
    let fineBoxes = Conv2D(filters: 32, kernelSize: 1, name: "regressor_8")
    let coarseScores = Conv2D(filters: 6, kernelSize: 1, name: "classificator_16")
    let coarseBoxes = Conv2D(filters: 96, kernelSize: 1, name: "regressor_16")

    /// The network with the weights of a safetensors file's `contents` (named as
    /// Weights/convert_face_detection_short_range.py writes them); `file` names it in errors.
    init(weights contents: SafeTensors.Contents, file: String) throws {
        blocks = Self.blockGeometry.enumerated().map { index, geometry in
            BlazeBlock(inChannels: geometry.0, outChannels: geometry.1, stride: geometry.2, name: "blocks.\(index)")
        }
        // The layers are built with throwaway initial values, then every one is replaced by the file's.
        var generator = SeededGenerator(seed: 0)
        stem.build(inputShape: [Self.inputSize, Self.inputSize, 3], generator: &generator)
        var shape = stem.outputShape(forInputShape: [Self.inputSize, Self.inputSize, 3])
        var fineShape = shape
        for (index, block) in blocks.enumerated() {
            shape = block.build(inputShape: shape, generator: &generator)
            if index == Self.fineMapBlock { fineShape = shape }
        }
        fineScores.build(inputShape: fineShape, generator: &generator)
        fineBoxes.build(inputShape: fineShape, generator: &generator)
        coarseScores.build(inputShape: shape, generator: &generator)
        coarseBoxes.build(inputShape: shape, generator: &generator)

        let tensors = try Self.foldDepthwiseBiases(contents.tensors, blockCount: blocks.count, file: file)
        _ = try loadWeights(tensors, into: parameters, strict: true, file: file)
    }

    var parameters: [Parameter] {
        stem.parameters + blocks.flatMap(\.parameters) + [fineScores, fineBoxes, coarseScores, coarseBoxes]
            .flatMap(\.parameters)
    }

    /// A depthwise convolution's bias is constant over the pixels, and the 1x1 convolution after it is linear,
    /// so it moves into that convolution's bias exactly: b' = b + Wᵀ·b_dw. The project's DepthwiseConv2D
    /// has no bias (a batch norm always follows it elsewhere), so this keeps the layer as it is.
    static func foldDepthwiseBiases(
        _ tensors: [(name: String, tensor: Tensor)], blockCount: Int, file: String
    ) throws -> [(name: String, tensor: Tensor)] {
        var byName: [String: Tensor] = [:]
        for (name, tensor) in tensors { byName[name] = tensor }
        var folded: [String: Tensor] = [:]
        var dropped: Set<String> = []
        for block in 0..<blockCount {
            let prefix = "blocks.\(block)"
            guard let depthwiseBias = byName["\(prefix).depthwise.bias"],
                  let kernel = byName["\(prefix).pointwise.kernel"], let bias = byName["\(prefix).pointwise.bias"],
                  kernel.rank == 4, depthwiseBias.shape == [kernel.shape[2]], bias.shape == [kernel.shape[3]]
            else {
                throw BlazeFaceWeightsError.malformedBlock(file: file, block: block)
            }
            let inputs = kernel.shape[2], outputs = kernel.shape[3]
            let w = kernel.scalars, bDepthwise = depthwiseBias.scalars
            var b = bias.scalars
            for o in 0..<outputs {
                for c in 0..<inputs { b[o] += w[c * outputs + o] * bDepthwise[c] }
            }
            folded["\(prefix).pointwise.bias"] = Tensor(shape: [outputs], scalars: b)
            dropped.insert("\(prefix).depthwise.bias")
        }
        return tensors.filter { !dropped.contains($0.name) }.map { ($0.name, folded[$0.name] ?? $0.tensor) }
    }

    /// Scores (logits, [N, 896]) and regressions ([N, 896, 16], in input pixels relative to the anchors) for
    /// input [N, 128, 128, 3].
    func callAsFunction(_ input: Tensor) -> (scores: Tensor, regressions: Tensor) {
        precondition(input.rank == 4 && Array(input.shape.dropFirst()) == [Self.inputSize, Self.inputSize, 3],
                     "BlazeFace: input \(input.shape) is not [N, 128, 128, 3]")
        var x = stem(Variable(input), mode: .inference).value
        var fine = x
        for (index, block) in blocks.enumerated() {
            x = block(x)
            if index == Self.fineMapBlock { fine = x }
        }
        func head(_ layer: Conv2D, _ map: Tensor) -> Tensor { layer(Variable(map), mode: .inference).value }
        let batch = input.shape[0]
        let scores = concatenateAnchors(head(fineScores, fine), head(coarseScores, x), batch: batch, width: 1)
        let regressions = concatenateAnchors(
            head(fineBoxes, fine), head(coarseBoxes, x), batch: batch, width: Self.regressionCount)
        return (scores.reshaped(to: [batch, Self.anchorCount]),
                regressions.reshaped(to: [batch, Self.anchorCount, Self.regressionCount]))
    }

    /// Per image, the fine map's anchors then the coarse map's, `width` values each. In NHWC a head's output
    /// [N, H, W, anchors·width] already lists each cell's anchors in order (TFLite's RESHAPE + CONCATENATION).
    private func concatenateAnchors(_ fine: Tensor, _ coarse: Tensor, batch: Int, width: Int) -> Tensor {
        let fineCount = fine.count / batch, coarseCount = coarse.count / batch
        var scalars: [Float] = []
        scalars.reserveCapacity(fine.count + coarse.count)
        let fineValues = fine.scalars, coarseValues = coarse.scalars
        for n in 0..<batch {
            scalars += fineValues[(n * fineCount)..<((n + 1) * fineCount)]
            scalars += coarseValues[(n * coarseCount)..<((n + 1) * coarseCount)]
        }
        precondition(scalars.count == batch * Self.anchorCount * width, "BlazeFace: heads do not give 896 anchors")
        return Tensor(shape: [batch, Self.anchorCount * width], scalars: scalars)
    }
}

/// A BlazeFace weights file that lacks the tensors of a block.
public enum BlazeFaceWeightsError: Error, CustomStringConvertible, Equatable {
    case malformedBlock(file: String, block: Int)

    public var description: String {
        switch self {
        case .malformedBlock(let file, let block):
            return "\(file): BlazeBlock \(block) needs blocks.\(block).depthwise.bias [C], "
                + "blocks.\(block).pointwise.kernel [1, 1, C, C'] and blocks.\(block).pointwise.bias [C']"
        }
    }
}
