// Forward values of the ops on small hand-checked inputs.

import Testing
@testable import EmotionTensor

@Suite struct OpForwardTests {
    @Test func conv2dOfOnesCountsTheWindow() {
        // All-ones input and 3x3 kernel: each valid output is 9·cin; with SAME padding corners see 4·cin.
        let x = Variable(Tensor(shape: [1, 4, 4, 2], repeating: 1))
        let w = Variable(Tensor(shape: [3, 3, 2, 1], repeating: 1))
        #expect(conv2d(x, kernel: w).value == Tensor(shape: [1, 2, 2, 1], repeating: 18))
        let same = conv2d(x, kernel: w, padding: .same).value
        #expect(same.shape == [1, 4, 4, 1])
        #expect(same.scalars[0] == 8 && same.scalars[5] == 18)
    }

    @Test func maxPoolTakesWindowMaxima() {
        let x = Variable(Tensor(shape: [1, 2, 4, 1], scalars: [1, 5, 2, 0, 3, 4, 8, 7]))
        #expect(maxPool2d(x).value == Tensor(shape: [1, 1, 2, 1], scalars: [5, 8]))
    }

    @Test func softmaxRowsSumToOneAndSurviveLargeLogits() {
        let p = softmax(Variable(Tensor(shape: [2, 3], scalars: [1000, 0, -1000, 1, 2, 3]))).value.scalars
        #expect(abs(p[0] - 1) < 1e-6 && p[1] == 0)
        #expect(abs(p[3...].reduce(0, +) - 1) < 1e-6)
        #expect(abs(p[5] - 0.66524096) < 1e-6)
    }

    @Test func softmaxCrossEntropyIsMeanNegativeLogLikelihood() {
        let logits = Variable(Tensor(shape: [2, 2], scalars: [0, 0, 2000, 0]))
        let (loss, probabilities) = softmaxCrossEntropy(logits: logits, labels: [1, 1])
        // Row 1: log 2; row 2: 2000 (finite, no overflow).
        #expect(abs(loss.value.scalar - (Float(0.6931472) + 2000) / 2) < 1e-3)
        #expect(loss.value.shape == [])
        #expect(probabilities.shape == [2, 2])
    }

    @Test func dropoutKeepsExpectedFractionScaled() {
        let x = Variable(Tensor(shape: [10_000], repeating: 1))
        let y = dropout(x, rate: 0.3, seed: 7).value.scalars
        let kept = y.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-6 })
        #expect(abs(Double(kept.count) / 10_000 - 0.7) < 0.02)
        #expect(dropout(x, rate: 0.3, seed: 7).value.scalars == y)
        #expect(dropout(x, rate: 0.3, seed: 8).value.scalars != y)
        #expect(dropout(x, rate: 0.3, seed: nil).value == x.value)
    }

    @Test func reductionsAndAdd() {
        let x = Variable(Tensor(shape: [2, 2], scalars: [1, 2, 3, 6]))
        #expect(sum(x).value.scalar == 12)
        #expect(mean(x).value.scalar == 3)
        #expect((x + x).value.scalars == [2, 4, 6, 12])
        #expect(flatten(Variable(Tensor(shape: [2, 1, 2, 3]))).shape == [2, 6])
    }
}
