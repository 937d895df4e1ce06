// Softmax, fused softmax + cross-entropy (incl. huge logits) and the generalised cross-entropy (against
// PyTorch), Adam against hand-computed values.

import Foundation
import EmotionTestSupport
import Testing

@testable import EmotionKernels

@Test func softmaxCrossEntropyMatchesDoubleMath() {
    let (rows, classes) = (5, 7)
    let logits = randomFloats(rows * classes, seed: 60).map { $0 * 4 }
    let labels: [Int32] = [0, 6, 3, 3, 1]
    var probabilities = [Float](repeating: .nan, count: rows * classes)
    let loss = Kernels.softmaxCrossEntropyForward(
        logits: logits, labels: labels, rows: rows, classes: classes, probabilities: &probabilities)

    var expectedLoss = 0.0
    var expectedProbabilities = [Float]()
    for r in 0..<rows {
        let row = logits[(r * classes)..<((r + 1) * classes)].map(Double.init)
        let total = row.reduce(0) { $0 + exp($1) }
        expectedProbabilities += row.map { Float(exp($0) / total) }
        expectedLoss += log(total) - row[Int(labels[r])]
    }
    expectedLoss /= Double(rows)
    #expect(abs(Double(loss) - expectedLoss) < 1e-5)
    #expect(maxAbsoluteDifference(probabilities, expectedProbabilities) < 1e-6)

    var plain = [Float](repeating: .nan, count: rows * classes)
    Kernels.softmax(logits, rows: rows, classes: classes, &plain)
    #expect(plain == probabilities)

    var gradient = [Float](repeating: .nan, count: rows * classes)
    Kernels.softmaxCrossEntropyBackward(
        probabilities: probabilities, labels: labels, rows: rows, classes: classes, scale: 0.5,
        logitsGradient: &gradient)
    let expectedGradient = (0..<(rows * classes)).map { i -> Float in
        let isLabel = Int(labels[i / classes]) == i % classes
        return (probabilities[i] - (isLabel ? 1 : 0)) * 0.5
    }
    #expect(maxAbsoluteDifference(gradient, expectedGradient) < 1e-7)
}

@Test func weightedSmoothedCrossEntropyMatchesDoubleMath() {
    // loss = Σ_r s[r]·w[label_r]·(−Σ_j y_rj log p_rj) / R with y_r = (1 − ε)·onehot + ε/K;
    // dlogits = (p − y)·w·s·scale. Checked without sample weights (s = 1) and with them.
    for sampleWeights in [nil, [Float(0.25), 1, 0, 0.8]] {
        let (rows, classes, smoothing) = (4, 5, Float(0.15))
        let logits = randomFloats(rows * classes, seed: 61).map { $0 * 3 }
        let labels: [Int32] = [4, 0, 2, 4]
        let weights: [Float] = [0.5, 1, 2, 1.5, 3]
        var probabilities = [Float](repeating: .nan, count: rows * classes)
        let loss = weights.withUnsafeBufferPointer { w in
            optionalPointer(sampleWeights) { s in
                Kernels.softmaxCrossEntropyForward(logits: logits, labels: labels, rows: rows, classes: classes,
                                                   probabilities: &probabilities, classWeights: w.baseAddress,
                                                   sampleWeights: s, labelSmoothing: smoothing)
            }
        }
        var expectedLoss = 0.0
        var expectedGradient = [Float]()
        for r in 0..<rows {
            let row = logits[(r * classes)..<((r + 1) * classes)].map(Double.init)
            let logTotal = log(row.reduce(0) { $0 + exp($1) })
            let target = (0..<classes).map { Double(smoothing) / Double(classes) + ($0 == Int(labels[r]) ? 1 - Double(smoothing) : 0) }
            let weight = Double(weights[Int(labels[r])]) * Double(sampleWeights?[r] ?? 1)
            expectedLoss += weight * zip(target, row).reduce(0) { $0 - $1.0 * ($1.1 - logTotal) }
            expectedGradient += zip(target, row).map { Float((exp($1 - logTotal) - $0) * weight * 0.25) }
        }
        #expect(abs(Double(loss) - expectedLoss / Double(rows)) < 1e-5)
        var gradient = [Float](repeating: .nan, count: rows * classes)
        weights.withUnsafeBufferPointer { w in
            optionalPointer(sampleWeights) { s in
                Kernels.softmaxCrossEntropyBackward(probabilities: probabilities, labels: labels, rows: rows,
                                                    classes: classes, scale: 0.25, logitsGradient: &gradient,
                                                    classWeights: w.baseAddress, sampleWeights: s,
                                                    labelSmoothing: smoothing)
            }
        }
        #expect(maxAbsoluteDifference(gradient, expectedGradient) < 1e-6)
    }
}

@Test func generalisedCrossEntropyMatchesPyTorch() {
    // Reference from PyTorch autograd in float64: p = softmax(z), t = (1 − ε)·onehot + ε/K,
    // loss = Σ_r w[y_r]·Σ_j t_rj·(1 − p_rj^q)/q / R with q = 0.7, ε = 0.2, and z.grad of that loss.
    let logits: [Float] = [2, 0.5, -1, 0.25, -0.5, 1.5, 0, 3]
    let labels: [Int32] = [2, 1]
    let weights: [Float] = [1, 0.5, 2, 1.5]
    var probabilities = [Float](repeating: .nan, count: 8)
    let loss = Kernels.softmaxCrossEntropyForward(
        logits: logits, labels: labels, rows: 2, classes: 4, probabilities: &probabilities, classWeights: weights,
        labelSmoothing: 0.2, gceQ: 0.7)
    #expect(abs(loss - 1.4740321735595432) < 2e-6)
    var gradient = [Float](repeating: .nan, count: 8)
    Kernels.softmaxCrossEntropyBackward(
        probabilities: probabilities, labels: labels, rows: 2, classes: 4, scale: 0.5, logitsGradient: &gradient,
        classWeights: weights, labelSmoothing: 0.2, gceQ: 0.7)
    let expected: [Float] = [0.06081775106769227, 0.008674153248437812, -0.07542779594068978, 0.005935891624559698,
                             0.0008263985503778522, -0.04905367804690156, 0.0015683145256846942, 0.046658964970839004]
    #expect(maxAbsoluteDifference(gradient, expected) < 1e-7)
}

@Test func generalisedCrossEntropyWithoutSmoothingScalesTheCrossEntropyGradient() {
    // ε = 0: dlogits = p_label^q · (p − onehot), and q → 0 gives the cross-entropy's loss.
    let (rows, classes, q) = (3, 5, Float(0.7))
    let logits = randomFloats(rows * classes, seed: 62).map { $0 * 3 }
    let labels: [Int32] = [1, 4, 0]
    var probabilities = [Float](repeating: .nan, count: rows * classes)
    let crossEntropy = Kernels.softmaxCrossEntropyForward(
        logits: logits, labels: labels, rows: rows, classes: classes, probabilities: &probabilities)
    let nearlyCrossEntropy = Kernels.softmaxCrossEntropyForward(
        logits: logits, labels: labels, rows: rows, classes: classes, probabilities: &probabilities, gceQ: 1e-4)
    #expect(abs(nearlyCrossEntropy - crossEntropy) < 1e-3 * crossEntropy)
    var gradient = [Float](repeating: .nan, count: rows * classes)
    Kernels.softmaxCrossEntropyBackward(
        probabilities: probabilities, labels: labels, rows: rows, classes: classes, scale: 1,
        logitsGradient: &gradient, gceQ: q)
    let expected = (0..<(rows * classes)).map { i -> Float in
        let (row, label) = (i / classes, Int(labels[i / classes]))
        return powf(probabilities[row * classes + label], q) * (probabilities[i] - (i % classes == label ? 1 : 0))
    }
    #expect(maxAbsoluteDifference(gradient, expected) < 1e-6)
}

private func optionalPointer<Result>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> Result) -> Result {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}

@Test func softmaxCrossEntropyIsStableForHugeLogits() {
    // Row 0: the label's logit is 2·10⁴ below the max → loss 2·10⁴. Row 1: correct and confident → loss 0.
    let logits: [Float] = [1e4, 0, -1e4, -1e4, 1e4, -1e4]
    let labels: [Int32] = [2, 1]
    var probabilities = [Float](repeating: .nan, count: 6)
    let loss = Kernels.softmaxCrossEntropyForward(
        logits: logits, labels: labels, rows: 2, classes: 3, probabilities: &probabilities)
    #expect(loss.isFinite)
    #expect(abs(loss - 1e4) < 1)
    #expect(probabilities == [1, 0, 0, 0, 1, 0])

    // Equal huge logits: uniform probabilities, loss log 3.
    let equal: [Float] = [1e4, 1e4, 1e4]
    let equalLoss = Kernels.softmaxCrossEntropyForward(
        logits: equal, labels: [0], rows: 1, classes: 3, probabilities: &probabilities)
    #expect(abs(equalLoss - logf(3)) < 1e-6)
    #expect(maxAbsoluteDifference(Array(probabilities[0..<3]), [1 / 3, 1 / 3, 1 / 3]) < 1e-7)
}

@Test func adamThreeStepsMatchHandComputedValues() {
    // Expected values from float64 numpy, Keras-3 Adam (epsilon-hat form), lr 0.01, β 0.9/0.999, ε 1e-7:
    //   a = lr*sqrt(1-b2**t)/(1-b1**t); m += (g-m)*(1-b1); v += (g*g-v)*(1-b2); p -= a*m/(sqrt(v)+eps)
    var parameters: [Float] = [0.5, -1.0, 2.0]
    var m = [Float](repeating: 0, count: 3)
    var v = [Float](repeating: 0, count: 3)
    let gradients: [[Float]] = [[0.1, -0.2, 0.3], [-0.05, 0.4, 0.3], [0.2, 0.0, -1.0]]
    let expectedParameters: [[Float]] = [
        [0.49000031621776635, -0.9900001581113831, 1.9900001054081442],
        [0.4873370211806714, -0.9936611674919068, 1.9800001799618285],
        [0.48075599602436364, -0.9964911383437844, 1.9828644273223035],
    ]
    for step in 1...3 {
        Kernels.adamUpdate(
            parameters: &parameters, gradients: gradients[step - 1], firstMoment: &m, secondMoment: &v, count: 3,
            learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: step)
        #expect(maxAbsoluteDifference(parameters, expectedParameters[step - 1]) < 2e-6)
    }
    #expect(maxAbsoluteDifference(m, [0.0236, 0.0198, -0.0487]) < 1e-7)
    // Float's 1 − 0.999 is off by 1.3e-5 relative, so v carries that relative error.
    #expect(maxAbsoluteDifference(v, [5.247751e-05, 0.00019976004, 0.00117973009]) < 1e-4 * 0.0012)
}

@Test func adamVectorPathMatchesScalarPath() {
    // 37 parameters: the first 32 go through the SIMD loop, the last 5 through the scalar tail; each
    // parameter i gets the same gradient as parameter i mod 4, so equal inputs must give equal outputs.
    let count = 37
    var parameters = (0..<count).map { Float($0 % 4) * 0.25 }
    var m = [Float](repeating: 0, count: count)
    var v = [Float](repeating: 0, count: count)
    let gradients = (0..<count).map { Float($0 % 4) - 1.5 }
    for step in 1...3 {
        Kernels.adamUpdate(
            parameters: &parameters, gradients: gradients, firstMoment: &m, secondMoment: &v, count: count,
            learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: step)
    }
    for i in 4..<count { #expect(parameters[i] == parameters[i % 4]) }
    #expect(parameters[0] > 0 && parameters[3] < 0.75)
}

/// The dropout mask for `count` elements: dropout applied to ones.
private func dropoutMask(count: Int, rate: Float, seed: UInt64) -> [Float] {
    var mask = [Float](repeating: .nan, count: count)
    Kernels.applyDropout([Float](repeating: 1, count: count), into: &mask, count: count, rate: rate, seed: seed)
    return mask
}

@Test("dropout mask: values, kept fraction, determinism", arguments: [Float(0.1), 0.3, 0.5, 0.9])
func dropoutMaskStatistics(rate: Float) {
    let count = 200_003
    let mask = dropoutMask(count: count, rate: rate, seed: 7)
    let keptValue = 1 / (1 - rate)
    #expect(mask.allSatisfy { $0 == 0 || $0 == keptValue })
    let keptFraction = Double(mask.filter { $0 != 0 }.count) / Double(count)
    // 1 − rate within about 8 standard deviations (σ ≤ 0.0012 here).
    #expect(abs(keptFraction - Double(1 - rate)) < 0.01)
    #expect(dropoutMask(count: count, rate: rate, seed: 7) == mask)

    // Counter-based: a shorter run gives the same prefix; another seed gives another mask.
    #expect(dropoutMask(count: 1001, rate: rate, seed: 7) == Array(mask[0..<1001]))
    let other = dropoutMask(count: count, rate: rate, seed: 8)
    let agreement = Double(zip(other, mask).filter { $0 == $1 }.count) / Double(count)
    let chanceAgreement = Double(rate * rate + (1 - rate) * (1 - rate))
    #expect(abs(agreement - chanceAgreement) < 0.01)

    // Any values: each is its mask value times the input (the same mask forwards and backwards), in place too.
    let values = randomFloats(count, seed: 9)
    var dropped = [Float](repeating: .nan, count: count)
    Kernels.applyDropout(values, into: &dropped, count: count, rate: rate, seed: 7)
    #expect(dropped == zip(values, mask).map { $0 * $1 })
    var inPlace = values
    inPlace.withUnsafeMutableBufferPointer { buffer in
        Kernels.applyDropout(buffer.baseAddress!, into: buffer.baseAddress!, count: count, rate: rate, seed: 7)
    }
    #expect(inPlace == dropped)
}

@Test func dropoutRateZeroKeepsEverything() {
    #expect(dropoutMask(count: 100, rate: 0, seed: 1) == [Float](repeating: 1, count: 100))
}
