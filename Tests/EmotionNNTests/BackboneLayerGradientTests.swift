// Finite-difference gradient checks of the backbone ops and layers: batch norm (training and inference,
// with fused ReLU6 and SiLU), depthwise conv (TF SAME, strides 1 and 2), ReLU6, SiLU, sigmoid, global
// average pooling, channel gating, squeeze-and-excitation, residual blocks. Float32 central differences,
// step 1e-2, tolerance 1e-3 absolute + 3e-3 relative unless stated.

import EmotionTestSupport
import Testing
@testable import EmotionNN

@Suite("Backbone layer gradients")
struct BackboneLayerGradientTests {
    @Test("batchNormTraining: x, gamma, beta (gradient flows through the batch statistics)")
    func batchNormTrainingOp() {
        let x = randomTensor([2, 3, 3, 5], seed: 1, scale: 2)
        let gamma = randomTensor([5], seed: 2), beta = randomTensor([5], seed: 3)
        let result = checkGradients(of: { v in
            batchNormTraining(v[0], gamma: v[1], beta: v[2], epsilon: 1e-3).output
        }, at: [x, gamma, beta])
        #expect(result.passed, "\(result)")
    }

    @Test("batchNormInference with fused ReLU6: x, gamma, beta")
    func batchNormInferenceOp() {
        let x = randomTensor([2, 2, 3, 4], seed: 4, scale: 3)
        let mean = randomTensor([4], seed: 5, scale: 0.3)
        let variance = Tensor(shape: [4], scalars: [0.5, 1, 1.5, 2])
        let result = checkGradients(of: { v in
            batchNormInference(v[0], gamma: v[1], beta: v[2], mean: mean, variance: variance, epsilon: 1e-3,
                               activation: .relu6)
        }, at: [x, randomTensor([4], seed: 6, scale: 2), randomTensor([4], seed: 7)], step: 1e-3)
        #expect(result.passed, "\(result)")
    }

    @Test("depthwiseConv2d with TF SAME padding", arguments: [(3, 1), (3, 2), (5, 2)])
    func depthwiseOp(kernel: Int, stride: Int) {
        let x = randomTensor([2, 6, 5, 3], seed: 8)
        let w = randomTensor([kernel, kernel, 3, 1], seed: 9)
        let result = checkGradients(of: { v in
            depthwiseConv2d(v[0], kernel: v[1], strides: (stride, stride), padding: .same)
        }, at: [x, w])
        #expect(result.passed, "\(result)")
    }

    @Test("relu6, silu, sigmoid")
    func activations() {
        // Values kept away from ReLU6's kinks at 0 and 6, where the difference quotient is undefined.
        let x = Tensor(shape: [2, 5], scalars: [-2, -0.5, 0.5, 1.5, 3, 4.5, 5.5, 6.5, 8, -7])
        for function in [relu6, silu, sigmoid] as [(Variable) -> Variable] {
            let result = checkGradients(of: { function($0[0]) }, at: [x], step: 1e-3)
            #expect(result.passed, "\(result)")
        }
    }

    @Test("globalAveragePool and multiplyChannels")
    func poolingAndGating() {
        let x = randomTensor([2, 3, 2, 20], seed: 10)
        let pooled = checkGradients(of: { globalAveragePool($0[0]) }, at: [x])
        #expect(pooled.passed, "\(pooled)")
        let gated = checkGradients(of: { multiplyChannels($0[0], by: $0[1]) }, at: [x, randomTensor([2, 20], seed: 11)])
        #expect(gated.passed, "\(gated)")
    }

    @Test("BatchNorm2D (training, SiLU) and SqueezeExcitation layers: input and every trainable parameter")
    func layers() {
        var generator = SeededGenerator(seed: 12)
        let norm = BatchNorm2D(epsilon: 1e-3, activation: .silu, name: "bn")
        norm.build(inputShape: [3, 3, 4], generator: &generator)
        norm.weight!.value = randomTensor([4], seed: 13, scale: 2)
        let normResult = checkLayerGradients(input: randomTensor([2, 3, 3, 4], seed: 14, scale: 2),
                                             parameters: [norm.weight!, norm.bias!]) { norm($0, mode: .training) }
        #expect(normResult.passed, "\(normResult)")

        let excitation = SqueezeExcitation(reducedChannels: 2, name: "se")
        excitation.build(inputShape: [3, 2, 6], generator: &generator)
        let seResult = checkLayerGradients(input: randomTensor([2, 3, 2, 6], seed: 15), parameters: excitation.parameters) {
            excitation($0, mode: .training)
        }
        #expect(seResult.passed, "\(seResult)")
    }

    @Test("ResidualBlock (MBConv: expand, depthwise stride 1, SE, project, skip)")
    func residualBlock() {
        var generator = SeededGenerator(seed: 16)
        func unit(_ kind: ConvBatchNorm.Kind, _ k: Int, _ act: NormActivation, _ n: String) -> ConvBatchNorm {
            ConvBatchNorm(kind, kernelSize: k, activation: act, epsilon: 1e-3, convName: "\(n).conv", normName: "\(n).bn")
        }
        let block = ResidualBlock(name: "b", layers: [
            unit(.regular(filters: 8), 1, .silu, "pw"), unit(.depthwise, 3, .silu, "dw"),
            SqueezeExcitation(reducedChannels: 2, name: "se"), unit(.regular(filters: 4), 1, .linear, "pwl"),
        ], hasSkip: true)
        block.build(inputShape: [4, 3, 4], generator: &generator)
        #expect(block.parameters.map(\.name).contains("dw.bn.running_var"))
        let trainable = block.parameters.filter(\.isTrainable)
        #expect(trainable.count == 13)
        let result = checkLayerGradients(input: randomTensor([2, 4, 3, 4], seed: 17), parameters: trainable,
                                         absoluteTolerance: 2e-3) { block($0, mode: .inference) }
        #expect(result.passed, "\(result)")
    }
}
