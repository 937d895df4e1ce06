// FLOPCount: the floating-point work of one training example, per layer, forward and backward.
//
// Convention (the one frameworks' profilers and Benchmarks/compare_frameworks.py use): only the
// multiply-adds of convolutions and dense layers are counted, 2 FLOPs each. Bias, activations, pooling,
// dropout, the loss and Adam are memory-bound passes and count 0. Backward is the input gradient (one
// forward's worth, skipped when nothing before the layer needs a gradient: the first trainable layer's
// input is the image) plus the weight gradient (one forward's worth).

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
            return "cannot count the FLOPs of layer '\(name)' (\(kerasClassName)): only Conv2D and Dense "
                + "layers, and layers without parameters, are known"
        }
    }
}

extension Sequential {
    /// Forward and backward FLOPs of one training example, layer by layer (multiply-add = 2 FLOPs).
    /// Throws for a layer with parameters other than Conv2D and Dense.
    public func trainingFLOPsPerExample() throws(FLOPCountError) -> [LayerFLOPs] {
        var counts: [LayerFLOPs] = []
        var shape = inputShape
        // True once a trainable layer has run: from then on every layer must pass a gradient to its input.
        var inputNeedsGradient = false
        for layer in layers {
            let outputShape = layer.outputShape(forInputShape: shape)
            let forward: Int
            switch layer {
            case let conv as Conv2D:
                // Every output element is a dot product over KH·KW·C inputs.
                let macs = outputShape.reduce(1, *) * conv.kernelSize.height * conv.kernelSize.width * shape[2]
                forward = 2 * macs
            case let dense as Dense:
                forward = 2 * shape[0] * dense.units
            default:
                guard layer.parameters.isEmpty else {
                    throw .uncountedLayer(name: layer.name, kerasClassName: layer.kerasClassName)
                }
                forward = 0
            }
            let isTrainable = layer.parameters.contains(where: \.isTrainable)
            let weightGradient = isTrainable ? forward : 0
            let inputGradient = inputNeedsGradient ? forward : 0
            counts.append(LayerFLOPs(name: layer.name, kerasClassName: layer.kerasClassName,
                                     outputShape: outputShape, forward: forward,
                                     backward: weightGradient + inputGradient))
            inputNeedsGradient = inputNeedsGradient || isTrainable
            shape = outputShape
        }
        return counts
    }
}
