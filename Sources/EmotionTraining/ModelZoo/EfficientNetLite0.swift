// efficientnet-lite0: timm `tf_efficientnet_lite0` (TF 'SAME' padding, BatchNorm eps 1e-3, ReLU6, no
// squeeze-and-excitation), laid out as ../shared/backbones/README.md describes.

import EmotionNN

public enum EfficientNetLite0 {
    /// The pooled feature length.
    public static let featureCount = 1280

    /// Stages after the stem: (expansion, depthwise kernel, first stride, output channels, repeats).
    /// Stage 0 is the depthwise-separable block; the rest are inverted residuals.
    static let stages: [(expansion: Int, kernel: Int, stride: Int, channels: Int, repeats: Int)] = [
        (1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
        (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1),
    ]

    /// The backbone, with the 1000-class ImageNet classifier when `classes` is given. Weights are seeded
    /// placeholders until `loadTimmWeights` (e.g. ../shared/backbones/efficientnet_lite0.safetensors).
    public static func make(classes: Int? = nil, seed: UInt64 = 0) -> EfficientNet {
        let epsilon: Float = 1e-3
        func unit(_ kind: ConvBatchNorm.Kind, _ kernel: Int, stride: Int = 1, _ activation: NormActivation,
                  conv: String, norm: String) -> ConvBatchNorm {
            ConvBatchNorm(kind, kernelSize: kernel, stride: stride, activation: activation, epsilon: epsilon,
                          convName: conv, normName: norm)
        }
        var blocks: [ResidualBlock] = []
        var inChannels = 32
        for (stageIndex, stage) in stages.enumerated() {
            for index in 0..<stage.repeats {
                let prefix = "blocks.\(stageIndex).\(index)"
                let stride = index == 0 ? stage.stride : 1
                let layers: [any Layer]
                if stage.expansion == 1 {
                    layers = [
                        unit(.depthwise, stage.kernel, stride: stride, .relu6, conv: "\(prefix).conv_dw", norm: "\(prefix).bn1"),
                        unit(.regular(filters: stage.channels), 1, .linear, conv: "\(prefix).conv_pw", norm: "\(prefix).bn2"),
                    ]
                } else {
                    let mid = inChannels * stage.expansion
                    layers = [
                        unit(.regular(filters: mid), 1, .relu6, conv: "\(prefix).conv_pw", norm: "\(prefix).bn1"),
                        unit(.depthwise, stage.kernel, stride: stride, .relu6, conv: "\(prefix).conv_dw", norm: "\(prefix).bn2"),
                        unit(.regular(filters: stage.channels), 1, .linear, conv: "\(prefix).conv_pwl", norm: "\(prefix).bn3"),
                    ]
                }
                let hasSkip = stride == 1 && inChannels == stage.channels
                blocks.append(ResidualBlock(name: prefix, layers: layers, hasSkip: hasSkip))
                inChannels = stage.channels
            }
        }
        return EfficientNet(
            name: "efficientnet_lite0",
            stem: unit(.regular(filters: 32), 3, stride: 2, .relu6, conv: "conv_stem", norm: "bn1"),
            blocks: blocks,
            head: unit(.regular(filters: featureCount), 1, .relu6, conv: "conv_head", norm: "bn2"),
            featureCount: featureCount, classes: classes, seed: seed)
    }
}
