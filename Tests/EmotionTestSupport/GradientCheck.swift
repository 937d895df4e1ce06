// Finite-difference gradient checking: compares tape gradients with central differences of
// L = Σ(output ⊙ R) for a fixed random R, at sampled positions (tiny-dnn's gradient_check, generalised).

import EmotionNN

/// The outcome of a gradient check.
public struct GradientCheckResult: CustomStringConvertible {
    /// How many (input, position) pairs were compared.
    public var checkedCount = 0
    /// The largest |analytic − numeric| seen.
    public var largestError: Double = 0
    /// One line per position outside the tolerance.
    public var failures: [String] = []

    public var passed: Bool { failures.isEmpty && checkedCount > 0 }

    public var description: String {
        "checked \(checkedCount), largest error \(largestError)"
            + (failures.isEmpty ? "" : ", \(failures.count) failures: " + failures.prefix(5).joined(separator: "; "))
    }
}

/// Compares `analyticGradients[slot]` with central differences (L(+step) − L(−step)) / 2·step, where
/// `loss(slot, index, offset)` evaluates L with element `index` of input `slot` moved by `offset` (and
/// restores it). Checks every element of small inputs and `positionsPerSlot` seeded random ones of larger.
/// A position passes when |analytic − numeric| ≤ absoluteTolerance + relativeTolerance · max(|analytic|, |numeric|).
public func checkGradients(
    analyticGradients: [Tensor], loss: (_ slot: Int, _ index: Int, _ offset: Float) -> Double,
    step: Float = 1e-2, absoluteTolerance: Double = 1e-3, relativeTolerance: Double = 3e-3,
    positionsPerSlot: Int = 32, seed: UInt64 = 1
) -> GradientCheckResult {
    var generator = SeededGenerator(seed: seed)
    var result = GradientCheckResult()
    for (slot, gradient) in analyticGradients.enumerated() {
        let analytic = gradient.scalars
        let positions = analytic.count <= positionsPerSlot
            ? Array(analytic.indices)
            : (0..<positionsPerSlot).map { _ in Int.random(in: analytic.indices, using: &generator) }
        for index in positions {
            let numeric = (loss(slot, index, step) - loss(slot, index, -step)) / (2 * Double(step))
            let error = abs(Double(analytic[index]) - numeric)
            result.checkedCount += 1
            result.largestError = max(result.largestError, error)
            if error > absoluteTolerance + relativeTolerance * max(abs(Double(analytic[index])), abs(numeric)) {
                result.failures.append("input \(slot)[\(index)]: analytic \(analytic[index]), numeric \(numeric)")
            }
        }
    }
    return result
}

/// Gradient check of `function` at `inputs`: the tape's gradients of Σ(output ⊙ R) for a seeded random R in
/// [−1, 1], against central differences computed with Double accumulation.
public func checkGradients(
    of function: ([Variable]) -> Variable, at inputs: [Tensor], step: Float = 1e-2,
    absoluteTolerance: Double = 1e-3, relativeTolerance: Double = 3e-3, positionsPerSlot: Int = 32, seed: UInt64 = 1
) -> GradientCheckResult {
    let tape = Tape()
    let variables = inputs.map { tape.variable($0) }
    let output = function(variables)
    var generator = SeededGenerator(seed: seed ^ 0x5EED)
    let weights = (0..<output.value.count).map { _ in 2 * generator.nextUnitFloat() - 1 }
    let gradients = tape.gradients(of: output, seed: Tensor(shape: output.shape, scalars: weights))
    let analytic = zip(variables, inputs).map { variable, input in gradients[variable] ?? Tensor(shape: input.shape) }

    var perturbed = inputs
    return checkGradients(
        analyticGradients: analytic,
        loss: { slot, index, offset in
            let original = perturbed[slot].withUnsafeBufferPointer { $0[index] }
            perturbed[slot].withUnsafeMutableBufferPointer { $0[index] = original + offset }
            defer { perturbed[slot].withUnsafeMutableBufferPointer { $0[index] = original } }
            return weightedSum(function(perturbed.map { Variable($0) }).value, weights: weights)
        },
        step: step, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
        positionsPerSlot: positionsPerSlot, seed: seed)
}

/// Σ value ⊙ weights in Double.
public func weightedSum(_ value: Tensor, weights: [Float]) -> Double {
    value.withUnsafeBufferPointer { buffer in
        zip(buffer, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
}

/// Gradient check of a layer or model forward pass with respect to its input and `parameters`: the tape's
/// gradients of Σ(out ⊙ R) against central differences (parameters are perturbed in place and restored).
public func checkLayerGradients(
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
