// The normal, gamma and beta draws against their distributions' moments (fixed seeds: the same draws every
// run; the tolerances are about four standard errors of 40,000 draws), and the row blending of mixup.

import Foundation
import Testing
@testable import EmotionTensor

private func moments(_ count: Int, seed: UInt64, _ draw: (inout SeededGenerator) -> Double) -> (mean: Double, variance: Double) {
    var generator = SeededGenerator(seed: seed)
    let values = (0..<count).map { _ in draw(&generator) }
    let mean = values.reduce(0, +) / Double(count)
    return (mean, values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count - 1))
}

@Suite struct RandomDistributionsTests {
    @Test func normalDrawsHaveMeanZeroAndVarianceOne() {
        let (mean, variance) = moments(40_000, seed: 1) { $0.nextStandardNormal() }
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.03, "mean \(mean), variance \(variance)")
    }

    @Test(arguments: [0.2, 0.5, 1, 3])
    func gammaDrawsHaveMeanAndVarianceEqualToTheShape(shape: Double) {
        // Gamma(k, 1): mean k, variance k; shapes below 1 take the boost path.
        let (mean, variance) = moments(40_000, seed: 2) { $0.nextGamma(shape: shape) }
        #expect(abs(mean - shape) < 4 * (shape / 40_000).squareRoot(), "mean \(mean)")
        // The sample variance's relative standard error is √((2 + excess kurtosis 6/k) / n).
        #expect(abs(variance / shape - 1) < 4 * ((2 + 6 / shape) / 40_000).squareRoot(), "variance \(variance)")
    }

    @Test(arguments: [(0.2, 0.2), (0.4, 0.4), (2.0, 5.0)])
    func betaDrawsHaveTheBetaMoments(a: Double, b: Double) {
        // Beta(a, b): mean a / (a + b), variance ab / ((a + b)²(a + b + 1)); every draw in [0, 1].
        var generator = SeededGenerator(seed: 3)
        let values = (0..<40_000).map { _ in generator.nextBeta(a, b) }
        #expect(values.allSatisfy { $0 >= 0 && $0 <= 1 })
        let (mean, variance) = moments(40_000, seed: 3) { $0.nextBeta(a, b) }
        let expectedMean = a / (a + b), expectedVariance = a * b / ((a + b) * (a + b) * (a + b + 1))
        #expect(abs(mean - expectedMean) < 4 * (expectedVariance / 40_000).squareRoot(), "mean \(mean)")
        #expect(abs(variance / expectedVariance - 1) < 0.03, "variance \(variance) vs \(expectedVariance)")
    }

    @Test func blendingRowsMixesEachRowWithItsPartner() {
        let x = Tensor(shape: [3, 2], scalars: [1, 2, 10, 20, 100, 200])
        let blended = x.blendingRows(partners: [1, 2, 0], weights: [0.25, 1, 0])
        #expect(blended.shape == [3, 2])
        let expected: [Float] = [7.75, 15.5, 10, 20, 1, 2]  // 0.25·1 + 0.75·10, 0.25·2 + 0.75·20; row 1; row 0
        #expect(blended.scalars == expected)
        #expect(Tensor(shape: [0, 2]).blendingRows(partners: [], weights: []).shape == [0, 2])
    }
}
