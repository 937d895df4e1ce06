// The ReLU6 fused into training-mode batch norm, whose backward kernels recompute the clamp's mask from the
// input instead of reading the output: its values and all three gradients must equal the unfused
// composition batchNormTraining(linear) → relu6 (forward bit for bit, gradients within float rounding),
// and pass a finite-difference check.

import EmotionTestSupport
import Testing
@testable import EmotionNN

@Suite("Batch norm with fused ReLU6 (training)")
struct BatchNormReLU6Tests {
    /// 3 channels below the SIMD width and 19 across it; gamma up to ±4 and beta around 3 put many
    /// normalised values past 0 and 6.
    @Test("fused = batch norm then relu6", arguments: [3, 19])
    func fusedEqualsComposition(channels: Int) {
        let x = randomTensor([3, 5, 4, channels], seed: 11, scale: 4)
        let gamma = randomTensor([channels], seed: 12, scale: 4)
        let beta = Tensor(shape: [channels], scalars: randomTensor([channels], seed: 13).scalars.map { $0 + 3 })
        let outputGradient = randomTensor([3, 5, 4, channels], seed: 14)
        func run(fused: Bool) -> (output: Tensor, gradients: [Tensor]) {
            let tape = Tape()
            let inputs = [x, gamma, beta].map { tape.variable($0) }
            let output = fused
                ? batchNormTraining(inputs[0], gamma: inputs[1], beta: inputs[2], epsilon: 1e-3, activation: .relu6).output
                : relu6(batchNormTraining(inputs[0], gamma: inputs[1], beta: inputs[2], epsilon: 1e-3).output)
            let gradients = tape.gradients(of: output, seed: outputGradient)
            return (output.value, inputs.map { gradients[$0]! })
        }
        let (fused, composed) = (run(fused: true), run(fused: false))
        #expect(fused.output.scalars == composed.output.scalars)
        // Some outputs are clipped at each end, so the mask matters.
        #expect(fused.output.scalars.contains(0) && fused.output.scalars.contains(6))
        for (slot, (a, b)) in zip(fused.gradients, composed.gradients).enumerated() {
            let difference = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-5, "gradient \(slot) differs by \(difference)")
        }
    }

    @Test("finite differences: x, gamma, beta")
    func gradientCheck() {
        // Scale 1.5 with gamma, beta near 1 keeps most values inside (0, 6) and away from the kinks.
        let x = randomTensor([2, 3, 3, 5], seed: 21, scale: 1.5)
        let gamma = Tensor(shape: [5], scalars: [1, 1.2, 0.8, 1.1, 0.9]), beta = Tensor(shape: [5], repeating: 2)
        let result = checkGradients(of: { v in
            batchNormTraining(v[0], gamma: v[1], beta: v[2], epsilon: 1e-3, activation: .relu6).output
        }, at: [x, gamma, beta], step: 1e-3)
        #expect(result.passed, "\(result)")
    }
}
