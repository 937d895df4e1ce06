// Row-wise softmax and the fused softmax + categorical cross-entropy (forward and backward).
//
// Legend: R rows (batch), K classes; logits and probabilities are R×K row-major, labels are R class indices
// (each in 0..<K; not checked here, the caller validates labels once per dataset).

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

    /// Fused softmax + categorical cross-entropy: writes probabilities and returns the MEAN loss over rows,
    /// −log p[label] computed as (max − logit[label]) + log Σ exp(x − max) so it stays finite and exact
    /// for huge logits.
    public static func softmaxCrossEntropyForward(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
        probabilities: UnsafeMutablePointer<Float>
    ) -> Float {
        var totalLoss = 0.0
        for row in 0..<rows {
            let rowLogits = logits + row * classes
            let (maximum, logTotal) = softmaxRow(rowLogits, classes: classes, probabilities + row * classes)
            totalLoss += Double(maximum - rowLogits[Int(labels[row])]) + Double(logTotal)
        }
        return rows > 0 ? Float(totalLoss / Double(rows)) : 0
    }

    /// dlogits = (p − onehot(label)) · scale (the caller passes scale = upstream gradient / rows).
    public static func softmaxCrossEntropyBackward(
        probabilities: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
        scale: Float, logitsGradient: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            let base = row * classes
            for j in 0..<classes { logitsGradient[base + j] = probabilities[base + j] * scale }
            logitsGradient[base + Int(labels[row])] -= scale
        }
    }
}
