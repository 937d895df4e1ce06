// Helpers for the kernel tests: a seeded random generator and array comparison.

import Testing

@testable import EmotionKernels

/// SplitMix64: small, seeded, reproducible across platforms.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` floats uniform in [-1, 1).
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: -1..<1, using: &generator) }
}

/// The largest |actual − expected|, or infinity when the lengths differ or a value is NaN.
func maxAbsoluteDifference(_ actual: [Float], _ expected: [Float]) -> Float {
    guard actual.count == expected.count else { return .infinity }
    var worst: Float = 0
    for (a, e) in zip(actual, expected) {
        let difference = abs(a - e)
        if !(difference <= worst) { worst = difference.isNaN ? .infinity : difference }
    }
    return worst
}
