// The SIMD paths of sigmoid, SiLU and SiLU's backward (a polynomial e^x) against the same functions in
// Double, over the whole useful range, including the SIMD tail and the clamped extremes.

import Foundation
import EmotionTestSupport
import Testing

@testable import EmotionKernels

/// 1,203 values from −95 to 95 (past the clamp at −87/88), then dense values near 0; 1,203 is not a
/// multiple of 16, so the scalar tail runs too.
private let activationInputs: [Float] = (0..<1_203).map { -95 + 190 * Float($0) / 1_202 }
    + randomFloats(4_000, seed: 40).map { $0 * 6 }

private func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// |a − e| ≤ 4e-7·|e| + 1e-35: a few ulp, or both negligible (below x = −87 the clamped exponential
/// leaves sigmoid at ~1e-38 and SiLU at ~−5e-37 instead of smaller values).
private func closeEnough(_ actual: Float, _ expected: Double) -> Bool {
    abs(Double(actual) - expected) <= 4e-7 * abs(expected) + 1e-35
}

@Test func sigmoidAndSiLUMatchDouble() {
    let x = activationInputs, n = x.count
    var sigmoid = [Float](repeating: .nan, count: n), silu = sigmoid, gradient = sigmoid
    let outputGradient = randomFloats(n, seed: 41)
    Kernels.sigmoid(x, &sigmoid, count: n)
    Kernels.silu(x, &silu, count: n)
    Kernels.siluBackward(outputGradient: outputGradient, input: x, inputGradient: &gradient, count: n)
    for i in 0..<n {
        let v = Double(x[i]), s = logistic(v)
        #expect(closeEnough(sigmoid[i], s), "sigmoid(\(x[i])) = \(sigmoid[i]), expected \(s)")
        #expect(closeEnough(silu[i], v * s), "silu(\(x[i])) = \(silu[i]), expected \(v * s)")
        let expectedGradient = Double(outputGradient[i]) * s * (1 + v * (1 - s))
        // The gradient subtracts nearly equal terms for large |x|: compare relative to dy · (1 + |x|).
        #expect(abs(Double(gradient[i]) - expectedGradient) <= 1e-6 * abs(Double(outputGradient[i])) * (1 + abs(v)),
                "siluBackward at \(x[i]) = \(gradient[i]), expected \(expectedGradient)")
    }
    #expect(sigmoid.first == 0 || sigmoid.first! < 1e-37)
    #expect(sigmoid[1_202] == 1)
}
