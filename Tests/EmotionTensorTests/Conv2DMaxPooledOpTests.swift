// conv2dMaxPooled (a convolution and the max pooling after it in one pass, whose backward reads the pooled
// gradient through window codes) against the unfused graph, conv2d then maxPool2d: forward values and all three
// gradients must be bit-identical, since the fused backward kernels see exactly the output gradient the
// unfused pooling backward scatters and the ReLU backward masks.

import EmotionTestSupport
import Testing
@testable import EmotionTensor

@Suite struct Conv2DMaxPooledOpTests {
    struct Case: CustomStringConvertible, Sendable {
        var input: [Int]
        var kernel: [Int]
        var strides: (Int, Int)
        var padding: Padding
        var poolSize: Int
        var activation: FusedActivation
        var description: String { "x\(input) w\(kernel) s\(strides) \(padding) pool \(poolSize) \(activation)" }
    }

    static let cases: [Case] = [
        // Task 1's first layer, small: RGB in (the col2im input gradient), an odd output (a row and column
        // that no window covers).
        Case(input: [2, 12, 13, 3], kernel: [3, 3, 3, 32], strides: (1, 1), padding: .valid, poolSize: 2,
             activation: .relu),
        // Task 1's second layer: 32 channels in (the banded input gradient).
        Case(input: [2, 11, 10, 32], kernel: [3, 3, 32, 64], strides: (1, 1), padding: .valid, poolSize: 2,
             activation: .relu),
        // No activation, a channel count off the vector width, same padding, pool 3.
        Case(input: [3, 9, 9, 5], kernel: [3, 3, 5, 19], strides: (1, 1), padding: .same, poolSize: 3,
             activation: .linear),
        // A strided convolution.
        Case(input: [1, 13, 11, 4], kernel: [3, 3, 4, 16], strides: (2, 2), padding: .same, poolSize: 2,
             activation: .relu),
    ]

    @Test(arguments: cases)
    func fusedPoolingMatchesSeparatePooling(_ c: Case) {
        func run(fused: Bool) -> (Tensor, [Tensor?]) {
            convolutionOutputAndGradients(input: c.input, kernel: c.kernel) { input, kernel, bias in
                fused
                    ? conv2dMaxPooled(input, kernel: kernel, bias: bias, strides: c.strides, padding: c.padding,
                                      activation: c.activation, poolSize: c.poolSize)
                    : maxPool2d(conv2d(input, kernel: kernel, bias: bias, strides: c.strides, padding: c.padding,
                                       activation: c.activation), poolSize: c.poolSize)
            }
        }
        let (fusedOutput, fusedGradients) = run(fused: true)
        let (separateOutput, separateGradients) = run(fused: false)
        #expect(fusedOutput == separateOutput)
        if c.activation == .relu {  // some windows' maxima are clipped, so the ReLU codes matter
            #expect(fusedOutput.scalars.contains(0))
        }
        for (fused, separate) in zip(fusedGradients, separateGradients) {
            #expect(fused != nil && fused == separate)
        }
    }
}
