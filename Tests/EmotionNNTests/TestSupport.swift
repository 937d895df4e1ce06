// Helpers for the NN tests: fixture paths, seeded random tensors, closeness checks and a layer gradient check.

import Foundation
import Testing
@testable import EmotionNN

/// A file in Tests/EmotionNNTests/Fixtures, located from this source file (never the working directory).
func fixtureURL(_ name: String, filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
}

/// Loads a fixture with our own safetensors reader.
func loadFixture(_ name: String) throws -> SafeTensors.Contents {
    try SafeTensors.read(contentsOf: fixtureURL(name))
}

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in (2 * generator.nextUnitFloat() - 1) * scale })
}

/// The largest |a − b| over two tensors of the same shape (infinity when the shapes differ).
func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    return zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Gradient check of a layer or model forward pass with respect to its input and `parameters`: the tape's
/// gradients of Σ(out ⊙ R) against central differences (parameters are perturbed in place and restored).
func checkLayerGradients(
    input: Tensor, parameters: [Parameter], step: Float = 1e-2, absoluteTolerance: Double = 1e-3,
    relativeTolerance: Double = 3e-3, _ forward: (Variable) -> Variable
) -> GradientCheckResult {
    let tape = Tape()
    let x = tape.variable(input)
    let output = forward(x)
    var generator = SeededGenerator(seed: 77)
    let weights = (0..<output.value.count).map { _ in 2 * generator.nextUnitFloat() - 1 }
    let gradients = tape.gradients(of: output, seed: Tensor(shape: output.shape, scalars: weights))
    let analytic = [gradients[x] ?? Tensor(shape: input.shape)]
        + parameters.map { gradients[key: $0] ?? Tensor(shape: $0.value.shape) }
    var perturbedInput = input
    return checkGradients(
        analyticGradients: analytic,
        loss: { slot, index, offset in
            func nudge(_ tensor: inout Tensor, by amount: Float) {
                tensor.withUnsafeMutableBufferPointer { $0[index] += amount }
            }
            if slot == 0 { nudge(&perturbedInput, by: offset) } else { nudge(&parameters[slot - 1].value, by: offset) }
            let original = slot == 0 ? input : nil
            defer {
                if let original { perturbedInput = original } else { nudge(&parameters[slot - 1].value, by: -offset) }
            }
            return weightedSum(forward(Variable(perturbedInput)).value, weights: weights)
        },
        step: step, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
}
