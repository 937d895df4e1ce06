// Row-wise softmax and the fused softmax + categorical cross-entropy (forward and backward).
//
// Legend: R rows (batch), K classes; logits and probabilities are R×K row-major, labels are R class indices
// (each in 0..<K; not checked here, the caller validates labels once per dataset). Options (Keras's):
// w = per-class weights (a row's loss and gradient times w[label]; the mean still divides by R), s = per-row
// sample weights (times s[row], e.g. mixup's λ) and ε = label smoothing (the target (1 − ε)·onehot + ε/K).

import Foundation

extension Kernels {
    /// Row-wise numerically stable softmax.
    public static func softmax(
        _ logits: UnsafePointer<Float>, rows: Int, classes: Int, _ probabilities: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            _ = softmaxRow(logits + row * classes, classes: classes, probabilities + row * classes)
        }
    }

    /// Writes one row's softmax and returns its maximum logit and log Σ exp(x − max), whose sum is the
    /// log-sum-exp (kept apart so −log p = (max − x) + log Σ loses no digits when x is the max).
    @inline(__always)
    private static func softmaxRow(
        _ logits: UnsafePointer<Float>, classes: Int, _ probabilities: UnsafeMutablePointer<Float>
    ) -> (maximum: Float, logTotal: Float) {
        var maximum = -Float.infinity
        for j in 0..<classes { maximum = max(maximum, logits[j]) }
        var total: Float = 0
        for j in 0..<classes {
            let e = expf(logits[j] - maximum)
            probabilities[j] = e
            total += e
        }
        let inverse = 1 / total
        for j in 0..<classes { probabilities[j] *= inverse }
        return (maximum, logf(total))
    }

    /// Fused softmax + categorical cross-entropy: writes probabilities and returns Σ w[label]·loss / R over
    /// rows, −log p[j] computed as (max − logit[j]) + log Σ exp(x − max) so it stays finite and exact for huge
    /// logits; with smoothing the row loss is (1 − ε)·(−log p[label]) + ε·mean_j(−log p[j]).
    public static func softmaxCrossEntropyForward(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
        probabilities: UnsafeMutablePointer<Float>, classWeights: UnsafePointer<Float>? = nil,
        sampleWeights: UnsafePointer<Float>? = nil, labelSmoothing: Float = 0
    ) -> Float {
        var totalLoss = 0.0
        for row in 0..<rows {
            let rowLogits = logits + row * classes
            let label = Int(labels[row])
            let (maximum, logTotal) = softmaxRow(rowLogits, classes: classes, probabilities + row * classes)
            var loss = Double(maximum - rowLogits[label]) + Double(logTotal)
            if labelSmoothing != 0 {
                var gaps = 0.0
                for j in 0..<classes { gaps += Double(maximum - rowLogits[j]) }
                let meanLoss = gaps / Double(classes) + Double(logTotal)
                loss = Double(1 - labelSmoothing) * loss + Double(labelSmoothing) * meanLoss
            }
            totalLoss += loss * Double(classWeights?[label] ?? 1) * Double(sampleWeights?[row] ?? 1)
        }
        return rows > 0 ? Float(totalLoss / Double(rows)) : 0
    }

    /// dlogits = (p − target) · w[label] · s[row] · scale, target = (1 − ε)·onehot(label) + ε/K (the caller
    /// passes scale = upstream gradient / rows).
    public static func softmaxCrossEntropyBackward(
        probabilities: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
        scale: Float, logitsGradient: UnsafeMutablePointer<Float>, classWeights: UnsafePointer<Float>? = nil,
        sampleWeights: UnsafePointer<Float>? = nil, labelSmoothing: Float = 0
    ) {
        let offTarget = labelSmoothing / Float(classes)
        for row in 0..<rows {
            let base = row * classes, label = Int(labels[row])
            let rowScale = scale * (classWeights?[label] ?? 1) * (sampleWeights?[row] ?? 1)
            for j in 0..<classes { logitsGradient[base + j] = (probabilities[base + j] - offTarget) * rowScale }
            logitsGradient[base + label] -= (1 - labelSmoothing) * rowScale
        }
    }
}
