// efficientnetv2-b3: timm `tf_efficientnetv2_b3` (the weights Keras' EfficientNetV2B3 uses): TF 'SAME'
// padding, BatchNorm eps 1e-3, SiLU; conv-BN-act and fused-MBConv ("edge residual") early stages, MBConv
// with squeeze-and-excitation later. Widths and depths are timm's `_gen_efficientnetv2_base` scaled by
// channel multiplier 1.2 (rounded to multiples of 8) and depth multiplier 1.4 (rounded up).

import EmotionNN

public enum EfficientNetV2B3 {
    /// The pooled feature length (round8(1280 · 1.2)).
    public static let featureCount = 1536
    static let stemChannels = 40

    enum BlockType { case convBatchNorm, fusedMBConv, mbConv }

    /// Stages after the stem, already scaled: (type, expansion, first stride, output channels, repeats).
    /// Every kernel is 3x3; MBConv stages have squeeze-and-excitation with ratio 0.25 of the block input.
    static let stages: [(type: BlockType, expansion: Int, stride: Int, channels: Int, repeats: Int)] = [
        (.convBatchNorm, 1, 1, 16, 2), (.fusedMBConv, 4, 2, 40, 3), (.fusedMBConv, 4, 2, 56, 3),
        (.mbConv, 4, 2, 112, 5), (.mbConv, 6, 1, 136, 7), (.mbConv, 6, 2, 232, 12),
    ]

    /// The backbone, with the 1000-class ImageNet classifier when `classes` is given. Weights are seeded
    /// placeholders until `loadTimmWeights` (timm's tf_efficientnetv2_b3 safetensors).
    public static func make(classes: Int? = nil, seed: UInt64 = 0) -> EfficientNet {
        let epsilon: Float = 1e-3
        func unit(_ kind: ConvBatchNorm.Kind, _ kernel: Int, stride: Int = 1, _ activation: NormActivation,
                  conv: String, norm: String) -> ConvBatchNorm {
            ConvBatchNorm(kind, kernelSize: kernel, stride: stride, activation: activation, epsilon: epsilon,
                          convName: conv, normName: norm)
        }
        var blocks: [ResidualBlock] = []
        var inChannels = stemChannels
        for (stageIndex, stage) in stages.enumerated() {
            for index in 0..<stage.repeats {
                let prefix = "blocks.\(stageIndex).\(index)"
                let stride = index == 0 ? stage.stride : 1
                let mid = inChannels * stage.expansion
                let out = ConvBatchNorm.Kind.regular(filters: stage.channels)
                let layers: [any Layer]
                switch stage.type {
                case .convBatchNorm:
                    layers = [unit(out, 3, stride: stride, .silu, conv: "\(prefix).conv", norm: "\(prefix).bn1")]
                case .fusedMBConv:
                    layers = [
                        unit(.regular(filters: mid), 3, stride: stride, .silu, conv: "\(prefix).conv_exp", norm: "\(prefix).bn1"),
                        unit(out, 1, .linear, conv: "\(prefix).conv_pwl", norm: "\(prefix).bn2"),
                    ]
                case .mbConv:
                    layers = [
                        unit(.regular(filters: mid), 1, .silu, conv: "\(prefix).conv_pw", norm: "\(prefix).bn1"),
                        unit(.depthwise, 3, stride: stride, .silu, conv: "\(prefix).conv_dw", norm: "\(prefix).bn2"),
                        SqueezeExcitation(reducedChannels: inChannels / 4, activation: .silu, name: "\(prefix).se"),
                        unit(out, 1, .linear, conv: "\(prefix).conv_pwl", norm: "\(prefix).bn3"),
                    ]
                }
                let hasSkip = stride == 1 && inChannels == stage.channels
                blocks.append(ResidualBlock(name: prefix, layers: layers, hasSkip: hasSkip))
                inChannels = stage.channels
            }
        }
        return EfficientNet(
            name: "efficientnetv2_b3",
            stem: unit(.regular(filters: stemChannels), 3, stride: 2, .silu, conv: "conv_stem", norm: "bn1"),
            blocks: blocks,
            head: unit(.regular(filters: featureCount), 1, .silu, conv: "conv_head", norm: "bn2"),
            featureCount: featureCount, classes: classes, seed: seed)
    }
}
