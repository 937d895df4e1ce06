// A saved `emotion` model as an ONNX graph: the model's preprocessing as the first nodes, each layer as
// the ONNX operators that compute it (batch norms folded into their convolutions), softmax probabilities
// out. Activations are NHWC at the boundary and NCHW inside, where ONNX's Conv and pools want them.
//
// Kernel layouts: ours are HWIO [kh, kw, in, out] (depthwise [kh, kw, C, 1]) and Dense [in, out]; ONNX Conv
// takes OIHW [out, in/group, kh, kw] (depthwise: [C, 1, kh, kw], group = C) and Gemm takes B = [in, out] as is.

import Foundation
import EmotionKernels
import EmotionNN
import EmotionTraining

/// A model that cannot be written as ONNX.
public enum ONNXExportError: Error, Equatable, CustomStringConvertible {
    case unsupportedLayer(name: String, type: String)
    /// The last layer does not give one row of class probabilities per image.
    case notAClassifier(outputShape: [Int], classes: Int)

    public var description: String {
        switch self {
        case .unsupportedLayer(let name, let type):
            return "layer '\(name)' (\(type)) has no ONNX export"
        case .notAClassifier(let shape, let classes):
            return "the model's output \(shape) is not one probability per class (\(classes) classes)"
        }
    }
}

/// Turns a classifier and its config into an ONNX model.
public enum ONNXExporter {
    /// The graph's input: float32 [N, H, W, 3], RGB values 0...255 of the image resized to H×W.
    public static let inputName = "input"
    /// The graph's output: float32 [N, classes], softmax probabilities in class order.
    public static let outputName = "probabilities"

    /// The `metadata_props` keys.
    public enum MetadataKey {
        /// JSON array of the class names, in output order.
        public static let classNames = "class_names"
        /// JSON object: the input size, the input scale and what the graph's first nodes compute.
        public static let preprocessing = "preprocessing"
        public static let architecture = "architecture"
        /// The test-time augmentation the graph computes ("none" or "flip"), as `emotion predict` does.
        public static let tta = "tta"
    }

    /// The ONNX model of `model`, a classifier saved with `config` (architecture, classes, preprocessing).
    public static func export(_ model: Sequential, config: ModelConfig) throws(ONNXExportError) -> ONNX.Model {
        let preprocessing = config.preprocessing
        var lowering = ONNXLowering(builder: ONNXGraphBuilder(reservedNames: [inputName, outputName]))
        var x = ONNXValue(name: inputName, layout: .nhwc, shape: [preprocessing.height, preprocessing.width, 3])
        x = lowering.preprocess(x, scale: preprocessing.scale)
        if config.tta == .flip { x = lowering.withMirrors(x) }
        for layer in model.layers {
            x = try lowering.lower(layer, x)
        }
        let classes = config.classNames.count
        guard x.layout == .matrix, x.shape == [classes] else {
            throw .notAClassifier(outputShape: x.shape, classes: classes)
        }
        if config.tta == .flip { x = lowering.meanOfImagesAndMirrors(x) }
        lowering.builder.rename(x.name, to: outputName)

        let graph = ONNX.Graph(
            name: config.architecture, nodes: lowering.builder.nodes, initializers: lowering.builder.initializers,
            inputs: [ONNX.ValueInfo(name: inputName, shape: [
                .symbolic("N"), .fixed(preprocessing.height), .fixed(preprocessing.width), .fixed(3),
            ])],
            outputs: [ONNX.ValueInfo(name: outputName, shape: [.symbolic("N"), .fixed(classes)])])
        return ONNX.Model(
            producerName: "emotion", producerVersion: EmotionVersion.current,
            docString: "\(config.architecture) emotion classifier. Input '\(inputName)': float32 [N, "
                + "\(preprocessing.height), \(preprocessing.width), 3], RGB 0-255 after a bilinear resize to "
                + "\(preprocessing.width)x\(preprocessing.height). Output '\(outputName)': float32 [N, \(classes)] "
                + "softmax probabilities of \(config.classNames.joined(separator: ", "))"
                + (config.tta == .flip ? ", the mean of each image's and its mirror image's (flip TTA)." : "."),
            graph: graph,
            metadata: [
                (MetadataKey.classNames, json(config.classNames)),
                (MetadataKey.preprocessing, json(preprocessingDescription(preprocessing))),
                (MetadataKey.architecture, config.architecture),
                (MetadataKey.tta, config.tta.rawValue),
            ])
    }

    /// What `metadata_props["preprocessing"]` says.
    static func preprocessingDescription(_ preprocessing: Preprocessing) -> [String: Any] {
        return [
            "height": preprocessing.height,
            "width": preprocessing.width,
            "input_scale": preprocessing.scale.rawValue,
            "in_graph": preprocessing.scale.formula,
            "resize": "bilinear, half-pixel centres, no antialiasing (TensorFlow's tf.image.resize); "
                + "grey images repeated into RGB, alpha dropped",
        ]
    }

    private static func json(_ value: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

/// Lowers layers to ONNX operators on a builder.
struct ONNXLowering {
    var builder: ONNXGraphBuilder

    /// The model's input scaling, x · multiplier + offset, as Mul and Add nodes (none for raw pixels).
    mutating func preprocess(_ x: ONNXValue, scale: InputScale) -> ONNXValue {
        var name = x.name
        if scale.multiplier != 1 {
            name = builder.node("Mul", [name, builder.scalar("preprocessing.multiplier", scale.multiplier)],
                                scope: "preprocessing")
        }
        if scale.offset != 0 {
            name = builder.node("Add", [name, builder.scalar("preprocessing.offset", scale.offset)], scope: "preprocessing")
        }
        return ONNXValue(name: name, layout: x.layout, shape: x.shape)
    }

    /// Flip test-time augmentation, first half: the batch of N images followed by their N mirror images,
    /// in NCHW. The mirror is a MatMul with the W×W anti-diagonal matrix of ones (exact: one product by 1 per
    /// output), which needs no int64 index tensors.
    mutating func withMirrors(_ x: ONNXValue) -> ONNXValue {
        let planar = builder.converted(x, to: .nchw)
        let width = x.shape[1]
        var antiDiagonal = [Float](repeating: 0, count: width * width)
        for row in 0..<width { antiDiagonal[row * width + (width - 1 - row)] = 1 }
        let mirrored = builder.node(
            "MatMul", [planar.name, builder.initializer("tta.mirror", dims: [width, width], values: antiDiagonal)],
            scope: "tta")
        let both = builder.node("Concat", [planar.name, mirrored], scope: "tta", attributes: [ONNX.Attribute("axis", .int(0))])
        return ONNXValue(name: both, layout: .nchw, shape: x.shape)
    }

    /// Flip test-time augmentation, second half: the 2N rows of probabilities split into the images' and the
    /// mirrors' and averaged.
    mutating func meanOfImagesAndMirrors(_ x: ONNXValue) -> ONNXValue {
        let halves = builder.node("Split", [x.name], scope: "tta", outputCount: 2, attributes: [ONNX.Attribute("axis", .int(0))])
        let sum = builder.node("Add", halves, scope: "tta")
        let mean = builder.node("Mul", [sum, builder.scalar("tta.half", 0.5)], scope: "tta")
        return ONNXValue(name: mean, layout: x.layout, shape: x.shape)
    }

    mutating func lower(_ layer: any Layer, _ x: ONNXValue) throws(ONNXExportError) -> ONNXValue {
        switch layer {
        case let conv as Conv2D:
            guard let kernel = conv.kernel?.value else { preconditionFailure("Conv2D \(conv.name) is not built") }
            let y = convolution(x, kernel: kernel, bias: conv.bias?.value.scalars, depthwise: false,
                                strides: (conv.strides.y, conv.strides.x), padding: conv.padding, scope: conv.name)
            return conv.activation == .relu ? unary("Relu", y, scope: conv.name) : y
        case let pool as MaxPool2D:
            let input = builder.converted(x, to: .nchw)
            let shape = Pool2DShape(batch: 1, height: x.shape[0], width: x.shape[1], channels: x.shape[2],
                                    poolSize: pool.poolSize, stride: pool.strides)
            let output = builder.node("MaxPool", [input.name], scope: pool.name, attributes: [
                ONNX.Attribute("kernel_shape", .ints([pool.poolSize, pool.poolSize])),
                ONNX.Attribute("strides", .ints([pool.strides, pool.strides])),
            ])
            return ONNXValue(name: output, layout: .nchw, shape: [shape.outHeight, shape.outWidth, x.shape[2]])
        case is Dropout:
            return x
        case let flatten as Flatten:
            // Keras's flatten order is NHWC's.
            let input = builder.converted(x, to: .nhwc)
            let output = builder.node("Flatten", [input.name], scope: flatten.name,
                                      attributes: [ONNX.Attribute("axis", .int(1))])
            return ONNXValue(name: output, layout: .matrix, shape: [x.shape.reduce(1, *)])
        case let pooling as GlobalAveragePooling2D:
            return globalAveragePool(x, scope: pooling.name)
        case let dense as Dense:
            return try self.dense(dense, x)
        case let backbone as EfficientNet:
            var y = x
            for unit in backbone.units { y = try lower(unit, y) }
            return y
        case let unit as ConvBatchNorm:
            return convBatchNorm(unit, x)
        case let block as ResidualBlock:
            var y = x
            for inner in block.layers { y = try lower(inner, y) }
            guard block.hasSkip else { return y }
            let (a, b) = (builder.converted(y, to: .nchw), builder.converted(x, to: .nchw))
            return ONNXValue(name: builder.node("Add", [a.name, b.name], scope: block.name), layout: .nchw, shape: y.shape)
        case let excitation as SqueezeExcitation:
            return squeezeExcitation(excitation, x)
        default:
            throw .unsupportedLayer(name: layer.name, type: layer.kerasClassName)
        }
    }

    // MARK: Operators

    /// A convolution of `x` with an HWIO kernel (depthwise: [kh, kw, C, 1]) and optional bias, TF padding.
    private mutating func convolution(
        _ x: ONNXValue, kernel: Tensor, bias: [Float]?, depthwise: Bool, strides: (Int, Int), padding: Padding,
        scope: String
    ) -> ONNXValue {
        let input = builder.converted(x, to: .nchw)
        let (kh, kw) = (kernel.shape[0], kernel.shape[1])
        let outChannels = depthwise ? kernel.shape[2] : kernel.shape[3]
        let geometry = Conv2DShape(
            batch: 1, height: x.shape[0], width: x.shape[1], inChannels: x.shape[2], outChannels: outChannels,
            kernelHeight: kh, kernelWidth: kw, strideY: strides.0, strideX: strides.1, padding: padding)
        let oihw = kernel.permuted(depthwise ? [2, 3, 0, 1] : [3, 2, 0, 1])
        var inputs = [input.name, builder.initializer("\(scope).weight", dims: oihw.shape, values: oihw.scalars)]
        if let bias { inputs.append(builder.initializer("\(scope).bias", dims: [bias.count], values: bias)) }
        var attributes = [
            ONNX.Attribute("kernel_shape", .ints([kh, kw])),
            ONNX.Attribute("strides", .ints([strides.0, strides.1])),
            ONNX.Attribute("pads", .ints([geometry.padTop, geometry.padLeft, geometry.padBottom, geometry.padRight])),
        ]
        if depthwise { attributes.append(ONNX.Attribute("group", .int(outChannels))) }
        let output = builder.node("Conv", inputs, scope: scope, attributes: attributes)
        return ONNXValue(name: output, layout: .nchw, shape: [geometry.outHeight, geometry.outWidth, outChannels])
    }

    /// Conv → BatchNorm → activation with the norm folded in: kernel · scale per output channel, bias = shift.
    private mutating func convBatchNorm(_ unit: ConvBatchNorm, _ x: ONNXValue) -> ONNXValue {
        let norm = unit.norm
        guard let kernel = unit.kernel?.value, let gamma = norm.weight?.value, let beta = norm.bias?.value,
              let mean = norm.runningMean?.value, let variance = norm.runningVariance?.value
        else { preconditionFailure("ConvBatchNorm \(unit.name) is not built") }
        let (scale, shift) = foldedBatchNorm(gamma: gamma, beta: beta, mean: mean, variance: variance,
                                             epsilon: norm.epsilon)
        // Both kernel layouts have the output channel innermost.
        var folded = kernel
        folded.withUnsafeMutableBufferPointer { values in
            for index in values.indices { values[index] *= scale[index % scale.count] }
        }
        let y = convolution(x, kernel: folded, bias: shift, depthwise: unit.kind == .depthwise,
                            strides: (unit.stride, unit.stride), padding: unit.padding, scope: unit.name)
        return activation(norm.activation, y, scope: unit.name)
    }

    private mutating func activation(_ kind: NormActivation, _ x: ONNXValue, scope: String) -> ONNXValue {
        switch kind {
        case .linear:
            return x
        case .relu6:
            let output = builder.node("Clip", [x.name, builder.scalar("relu6.min", 0), builder.scalar("relu6.max", 6)],
                                      scope: scope)
            return ONNXValue(name: output, layout: x.layout, shape: x.shape)
        case .silu:
            let gate = builder.node("Sigmoid", [x.name], scope: scope)
            return ONNXValue(name: builder.node("Mul", [x.name, gate], scope: scope), layout: x.layout, shape: x.shape)
        }
    }

    private mutating func unary(_ opType: String, _ x: ONNXValue, scope: String) -> ONNXValue {
        ONNXValue(name: builder.node(opType, [x.name], scope: scope), layout: x.layout, shape: x.shape)
    }

    /// Each channel's mean over the image, as a [N, C] matrix.
    private mutating func globalAveragePool(_ x: ONNXValue, scope: String) -> ONNXValue {
        let input = builder.converted(x, to: .nchw)
        let pooled = builder.node("GlobalAveragePool", [input.name], scope: scope)
        let output = builder.node("Flatten", [pooled], scope: scope, attributes: [ONNX.Attribute("axis", .int(1))])
        return ONNXValue(name: output, layout: .matrix, shape: [x.shape[2]])
    }

    /// Gemm (or MatMul without bias) with our [in, out] kernel as B, then the activation.
    private mutating func dense(_ dense: Dense, _ x: ONNXValue) throws(ONNXExportError) -> ONNXValue {
        guard x.layout == .matrix else { throw .unsupportedLayer(name: dense.name, type: "Dense on an image") }
        guard let kernel = dense.kernel?.value else { preconditionFailure("Dense \(dense.name) is not built") }
        var inputs = [x.name, builder.initializer("\(dense.name).kernel", dims: kernel.shape, values: kernel.scalars)]
        if let bias = dense.bias?.value {
            inputs.append(builder.initializer("\(dense.name).bias", dims: bias.shape, values: bias.scalars))
        }
        let y = ONNXValue(name: builder.node(inputs.count == 3 ? "Gemm" : "MatMul", inputs, scope: dense.name),
                          layout: .matrix, shape: [dense.units])
        switch dense.activation {
        case .linear:
            return y
        case .relu:
            return unary("Relu", y, scope: dense.name)
        case .softmax:
            let output = builder.node("Softmax", [y.name], scope: dense.name, attributes: [ONNX.Attribute("axis", .int(1))])
            return ONNXValue(name: output, layout: .matrix, shape: y.shape)
        }
    }

    /// x · sigmoid(expand(act(reduce(mean over the image of x)))), per channel.
    private mutating func squeezeExcitation(_ layer: SqueezeExcitation, _ x: ONNXValue) -> ONNXValue {
        guard let reduceKernel = layer.reduceKernel?.value, let reduceBias = layer.reduceBias?.value,
              let expandKernel = layer.expandKernel?.value, let expandBias = layer.expandBias?.value
        else { preconditionFailure("SqueezeExcitation \(layer.name) is not built") }
        let input = builder.converted(x, to: .nchw)
        let channels = x.shape[2]
        let squeezed = ONNXValue(name: builder.node("GlobalAveragePool", [input.name], scope: layer.name),
                                 layout: .nchw, shape: [1, 1, channels])
        let reduced = activation(layer.activation, convolution(
            squeezed, kernel: reduceKernel, bias: reduceBias.scalars, depthwise: false, strides: (1, 1), padding: .valid,
            scope: "\(layer.name).conv_reduce"), scope: layer.name)
        let expanded = convolution(reduced, kernel: expandKernel, bias: expandBias.scalars, depthwise: false,
                                   strides: (1, 1), padding: .valid, scope: "\(layer.name).conv_expand")
        let gate = builder.node("Sigmoid", [expanded.name], scope: layer.name)
        return ONNXValue(name: builder.node("Mul", [input.name, gate], scope: layer.name), layout: .nchw, shape: x.shape)
    }
}
