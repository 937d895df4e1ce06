// The backbone layers against PyTorch (Fixtures/backbones/, made by make_backbone_fixtures.py):
// BatchNorm2d one training step then eval (outputs, gradients, running statistics) and depthwise
// convolution with TF SAME padding, forward and backward; plus the fast depthwise kernel vs its naive twin.

import EmotionTestSupport
import Testing
@testable import EmotionNN
import EmotionKernels

@Suite("Backbone layers vs PyTorch")
struct BackbonePyTorchFixtureTests {
    static let tolerance: Float = 1e-4

    @Test("BatchNorm2D: train step (batch statistics, running update with unbiased variance) then eval")
    func batchNorm() throws {
        let f = try loadFixture("backbones/batchnorm.safetensors")
        var generator = SeededGenerator(seed: 0)
        let layer = BatchNorm2D(epsilon: 1e-3, momentum: 0.1, name: "bn")
        layer.build(inputShape: [3, 4, 6], generator: &generator)
        layer.weight!.value = try #require(f["gamma"])
        layer.bias!.value = try #require(f["beta"])
        layer.runningMean!.value = try #require(f["mean0"])
        layer.runningVariance!.value = try #require(f["var0"])
        for (mode, name) in [(Mode.training, "train"), (.inference, "eval")] {
            let tape = Tape()
            let x = tape.variable(try #require(f["x"]))
            let y = layer(x, mode: mode)
            #expect(maxAbsoluteDifference(y.value, try #require(f["\(name).y"])) <= Self.tolerance, "\(name) forward")
            let gradients = tape.gradients(of: y, seed: try #require(f["r"]))
            #expect(maxAbsoluteDifference(try #require(gradients[x]), try #require(f["\(name).dx"])) <= Self.tolerance)
            #expect(maxAbsoluteDifference(try #require(gradients[key: layer.weight!]), try #require(f["\(name).dgamma"])) <= 1e-3)
            #expect(maxAbsoluteDifference(try #require(gradients[key: layer.bias!]), try #require(f["\(name).dbeta"])) <= 1e-3)
            #expect(maxAbsoluteDifference(layer.runningMean!.value, try #require(f["\(name).running_mean"])) <= 1e-6)
            #expect(maxAbsoluteDifference(layer.runningVariance!.value, try #require(f["\(name).running_var"])) <= 1e-5)
        }
    }

    @Test("BatchNorm2D frozen (usesRunningStatistics) normalises with the running statistics in training mode")
    func frozenBatchNorm() throws {
        let f = try loadFixture("backbones/batchnorm.safetensors")
        var generator = SeededGenerator(seed: 0)
        let layer = BatchNorm2D(epsilon: 1e-3, name: "bn")
        layer.build(inputShape: [3, 4, 6], generator: &generator)
        layer.weight!.value = try #require(f["gamma"])
        layer.bias!.value = try #require(f["beta"])
        layer.runningMean!.value = try #require(f["train.running_mean"])
        layer.runningVariance!.value = try #require(f["train.running_var"])
        layer.usesRunningStatistics = true
        let y = layer(Variable(try #require(f["x"])), mode: .training)
        #expect(maxAbsoluteDifference(y.value, try #require(f["eval.y"])) <= Self.tolerance)
        #expect(layer.runningMean!.value == (try #require(f["train.running_mean"])))
    }

    @Test("depthwiseConv2d with TF SAME padding", arguments: ["s2k3", "s1k5", "s2k5"])
    func depthwise(name: String) throws {
        let f = try loadFixture("backbones/depthwise.safetensors")
        let stride = Int(try #require(f["\(name).stride"]).scalar)
        let tape = Tape()
        let x = tape.variable(try #require(f["\(name).x"]))
        let w = tape.variable(try #require(f["\(name).w"]))
        let y = depthwiseConv2d(x, kernel: w, strides: (stride, stride), padding: .same)
        #expect(maxAbsoluteDifference(y.value, try #require(f["\(name).y"])) <= Self.tolerance)
        let gradients = tape.gradients(of: y, seed: try #require(f["\(name).r"]))
        #expect(maxAbsoluteDifference(try #require(gradients[x]), try #require(f["\(name).dx"])) <= Self.tolerance)
        #expect(maxAbsoluteDifference(try #require(gradients[w]), try #require(f["\(name).dw"])) <= 1e-3)
    }

    @Test("fast depthwise kernel = naive twin (70 channels: SIMD blocks and tail, stride 2, asymmetric pad)")
    func depthwiseTwin() {
        let shape = Conv2DShape(batch: 2, height: 9, width: 8, inChannels: 70, outChannels: 70, kernelHeight: 5,
                                kernelWidth: 5, strideY: 2, strideX: 2, padding: .same)
        let input = randomTensor([shape.inputCount], seed: 20).scalars
        let kernel = randomTensor([25 * 70], seed: 21).scalars
        var fast = [Float](repeating: 0, count: shape.outputCount), naive = fast
        Kernels.depthwiseConv2dForward(shape, input: input, kernel: kernel, output: &fast)
        Kernels.Reference.depthwiseConv2dForward(shape, input: input, kernel: kernel, output: &naive)
        #expect(zip(fast, naive).map { abs($0 - $1) }.max()! <= 1e-5)
    }
}
