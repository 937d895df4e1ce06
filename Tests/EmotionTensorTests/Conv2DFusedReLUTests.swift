// conv2d with its fused ReLU (whose backward the conv kernels apply while reading dy) against the unfused
// graph: a linear conv2d followed by a separate relu. Forward values and all three gradients must be
// bit-identical, since the fused kernels see exactly the values the unfused ReLU backward writes.

import EmotionTestSupport
import Testing
@testable import EmotionTensor

@Suite struct Conv2DFusedReLUTests {
    struct Case: CustomStringConvertible, Sendable {
        var input: [Int]
        var kernel: [Int]
        var strides: (Int, Int)
        var padding: Padding
        var description: String { "x\(input) w\(kernel) s\(strides) \(padding)" }
    }

    static let cases: [Case] = [
        // Stride 1 with ≥ 16 input channels: the input gradient's banded, masked path.
        Case(input: [2, 9, 10, 16], kernel: [3, 3, 16, 24], strides: (1, 1), padding: .same),
        // Few channels and strides: the col2im path.
        Case(input: [1, 7, 8, 3], kernel: [3, 3, 3, 5], strides: (2, 2), padding: .same),
        Case(input: [3, 6, 5, 1], kernel: [2, 2, 1, 4], strides: (1, 1), padding: .valid),
        Case(input: [2, 5, 5, 5], kernel: [1, 1, 5, 7], strides: (1, 1), padding: .valid),
    ]

    @Test(arguments: cases)
    func fusedReLUMatchesSeparateReLU(_ c: Case) {
        func run(fused: Bool) -> (Tensor, [Tensor?]) {
            convolutionOutputAndGradients(input: c.input, kernel: c.kernel) { input, kernel, bias in
                fused
                    ? conv2d(input, kernel: kernel, bias: bias, strides: c.strides, padding: c.padding, activation: .relu)
                    : relu(conv2d(input, kernel: kernel, bias: bias, strides: c.strides, padding: c.padding))
            }
        }
        let (fusedOutput, fusedGradients) = run(fused: true)
        let (separateOutput, separateGradients) = run(fused: false)
        #expect(fusedOutput == separateOutput)
        // About half the outputs are clipped, so the mask matters.
        let zeros = fusedOutput.scalars.filter { $0 == 0 }.count
        #expect(zeros > fusedOutput.scalars.count / 5 && zeros < fusedOutput.scalars.count * 4 / 5)
        for (fused, separate) in zip(fusedGradients, separateGradients) {
            #expect(fused != nil && fused == separate)
        }
    }
}

/// The output of `convolution` on seeded random input [N, H, W, C], kernel [KH, KW, C, O] and bias [O], and
/// the gradients of all three for a random output gradient (every element of dy distinct).
func convolutionOutputAndGradients(
    input inputShape: [Int], kernel kernelShape: [Int], _ convolution: (Variable, Variable, Variable) -> Variable
) -> (Tensor, [Tensor?]) {
    let tape = Tape()
    let input = tape.variable(randomTensor(inputShape, seed: 1))
    let kernel = tape.variable(randomTensor(kernelShape, seed: 2))
    let bias = tape.variable(randomTensor([kernelShape[3]], seed: 3))
    let output = convolution(input, kernel, bias)
    let gradients = tape.gradients(of: output, seed: randomTensor(output.value.shape, seed: 4))
    return (output.value, [gradients[input], gradients[kernel], gradients[bias]])
}
