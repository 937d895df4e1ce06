// FLOPCount: the floating-point work of one training example, per layer, forward and backward.
//
// Convention (the one frameworks' profilers and Benchmarks/compare_frameworks.py use): only the
// multiply-adds of convolutions (regular, depthwise, squeeze-excitation) and dense layers are counted, 2 FLOPs each. Bias, activations, pooling,
// dropout, the loss and Adam are memory-bound passes and count 0. Backward is the input gradient (one
// forward's worth, skipped when nothing before the layer needs a gradient: the first trainable layer's
// input is the image) plus the weight gradient (one forward's worth).

import EmotionTraining
import EmotionNN

/// The FLOPs of one layer for one example.
public struct LayerFLOPs: Sendable, Equatable {
    public let name: String
    public let kerasClassName: String
    /// The layer's output shape without the batch dimension.
    public let outputShape: [Int]
    public let forward: Int
    public let backward: Int

    public var total: Int { forward + backward }
}

/// A layer whose arithmetic the counter does not know.
public enum FLOPCountError: Error, CustomStringConvertible, Equatable {
    case uncountedLayer(name: String, kerasClassName: String)

    public var description: String {
        switch self {
        case .uncountedLayer(let name, let kerasClassName):
            return "cannot count the FLOPs of layer '\(name)' (\(kerasClassName)): only convolutions, "
                + "dense layers, batch norms, EfficientNet blocks and layers without parameters are known"
        }
    }
}

extension Sequential {
    /// Forward and backward FLOPs of one training example, layer by layer (multiply-add = 2 FLOPs).
    /// Throws for a layer with parameters of a kind it does not know.
    public func trainingFLOPsPerExample() throws(FLOPCountError) -> [LayerFLOPs] {
        var counts: [LayerFLOPs] = []
        var shape = inputShape
        // True once a trainable layer has run: from then on every layer must pass a gradient to its input.
        var inputNeedsGradient = false
        for layer in layers {
            let outputShape = layer.outputShape(forInputShape: shape)
            let (forward, backward) = try Self.flops(of: layer, inputShape: shape, inputNeedsGradient: &inputNeedsGradient)
            counts.append(LayerFLOPs(name: layer.name, kerasClassName: layer.kerasClassName,
                                     outputShape: outputShape, forward: forward, backward: backward))
            shape = outputShape
        }
        return counts
    }

    /// Forward and backward FLOPs of `layer` for one example; composite layers (the EfficientNet backbone,
    /// its residual blocks) add up their parts, each with its own input-gradient rule. Batch norms count 0.
    private static func flops(
        of layer: any Layer, inputShape: [Int], inputNeedsGradient: inout Bool
    ) throws(FLOPCountError) -> (forward: Int, backward: Int) {
        func parts(_ layers: [any Layer]) throws(FLOPCountError) -> (forward: Int, backward: Int) {
            var total = (forward: 0, backward: 0), shape = inputShape
            for part in layers {
                let counted = try flops(of: part, inputShape: shape, inputNeedsGradient: &inputNeedsGradient)
                total = (total.forward + counted.forward, total.backward + counted.backward)
                shape = part.outputShape(forInputShape: shape)
            }
            return total
        }
        let outputPixels = layer.outputShape(forInputShape: inputShape).dropLast().reduce(1, *)
        let forward: Int
        switch layer {
        case let backbone as EfficientNet: return try parts(backbone.units)
        case let block as ResidualBlock: return try parts(block.layers)
        case let conv as Conv2D:
            // Every output element is a dot product over KH·KW·C inputs.
            forward = 2 * outputPixels * conv.filters * conv.kernelSize.height * conv.kernelSize.width * inputShape[2]
        case let unit as ConvBatchNorm:
            let taps = unit.kernelSize * unit.kernelSize
            switch unit.kind {
            case .regular(let filters): forward = 2 * outputPixels * filters * taps * inputShape[2]
            case .depthwise: forward = 2 * outputPixels * inputShape[2] * taps
            }
        case let excitation as SqueezeExcitation:
            forward = 2 * 2 * inputShape[inputShape.count - 1] * excitation.reducedChannels
        case let dense as Dense:
            forward = 2 * inputShape.reduce(1, *) * dense.units
        case is BatchNorm2D:
            forward = 0
        default:
            guard layer.parameters.isEmpty else {
                throw .uncountedLayer(name: layer.name, kerasClassName: layer.kerasClassName)
            }
            forward = 0
        }
        let isTrainable = layer.parameters.contains(where: \.isTrainable)
        let backward = (isTrainable ? forward : 0) + (inputNeedsGradient ? forward : 0)
        inputNeedsGradient = inputNeedsGradient || isTrainable
        return (forward, backward)
    }
}
