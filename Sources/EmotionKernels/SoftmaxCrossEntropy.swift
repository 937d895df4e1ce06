// Row-wise softmax and the fused softmax + categorical cross-entropy (forward and backward).
//
// Legend: R rows (batch), K classes; logits and probabilities are R×K row-major, labels are R class indices
// (each in 0..<K; not checked here, the caller validates labels once per dataset). Options (Keras's):
// w = per-class weights (a row's loss and gradient times w[label]; the mean still divides by R), s = per-row
// sample weights (times s[row], e.g. mixup's λ), ε = label smoothing (the target t = (1 − ε)·onehot + ε/K) and
// q = the generalised cross-entropy's exponent (Zhang & Sabuncu 2018): a row's loss Σ_j t_j·(1 − p_j^q)/q, which
// tends to the cross-entropy Σ_j t_j·(−log p_j) as q → 0 (q = 0 is the cross-entropy itself) and makes a
// photo the model firmly disagrees with (small p_label) pull less, so wrong labels harm less.

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

    /// Fused softmax + categorical cross-entropy: writes probabilities and returns Σ w[label]·s[row]·loss / R
    /// over rows, −log p[j] computed as (max − logit[j]) + log Σ exp(x − max) so it stays finite and exact for
    /// huge logits; with smoothing the row loss is (1 − ε)·ℓ(label) + ε·mean_j ℓ(j), ℓ(j) = −log p[j], or
    /// (1 − p[j]^q)/q = −expm1(q·log p[j])/q with q.
    public static func softmaxCrossEntropyForward(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
        probabilities: UnsafeMutablePointer<Float>, classWeights: UnsafePointer<Float>? = nil,
        sampleWeights: UnsafePointer<Float>? = nil, labelSmoothing: Float = 0, gceQ: Float = 0
    ) -> Float {
        var totalLoss = 0.0
        let q = Double(gceQ)
        for row in 0..<rows {
            let rowLogits = logits + row * classes
            let label = Int(labels[row])
            let (maximum, logTotal) = softmaxRow(rowLogits, classes: classes, probabilities + row * classes)
            // ℓ(j) from −log p[j] = (max − logit[j]) + log Σ.
            func classLoss(_ j: Int) -> Double {
                let negativeLog = Double(maximum - rowLogits[j]) + Double(logTotal)
                return q == 0 ? negativeLog : -expm1(-q * negativeLog) / q
            }
            var loss = classLoss(label)
            if labelSmoothing != 0 {
                var meanLoss = 0.0
                for j in 0..<classes { meanLoss += classLoss(j) }
                loss = Double(1 - labelSmoothing) * loss + Double(labelSmoothing) * meanLoss / Double(classes)
            }
            totalLoss += loss * Double(classWeights?[label] ?? 1) * Double(sampleWeights?[row] ?? 1)
        }
        return rows > 0 ? Float(totalLoss / Double(rows)) : 0
    }

    /// dlogits = (p − target) · w[label] · s[row] · scale, target = (1 − ε)·onehot(label) + ε/K (the caller
    /// passes scale = upstream gradient / rows); with q, dlogits[k] = (p[k]·Σ_j t_j·p[j]^q − t_k·p[k]^q) · w · s
    /// · scale, which is the cross-entropy's gradient times p[label]^q when ε = 0.
    public static func softmaxCrossEntropyBackward(
        probabilities: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
        scale: Float, logitsGradient: UnsafeMutablePointer<Float>, classWeights: UnsafePointer<Float>? = nil,
        sampleWeights: UnsafePointer<Float>? = nil, labelSmoothing: Float = 0, gceQ: Float = 0
    ) {
        let offTarget = labelSmoothing / Float(classes)
        for row in 0..<rows {
            let base = row * classes, label = Int(labels[row])
            let rowScale = scale * (classWeights?[label] ?? 1) * (sampleWeights?[row] ?? 1)
            let p = probabilities + base, gradient = logitsGradient + base
            guard gceQ != 0 else {
                for j in 0..<classes { gradient[j] = (p[j] - offTarget) * rowScale }
                gradient[label] -= (1 - labelSmoothing) * rowScale
                continue
            }
            func target(_ j: Int) -> Float { j == label ? 1 - labelSmoothing + offTarget : offTarget }
            var weightedPowers: Float = 0
            for j in 0..<classes {
                gradient[j] = powf(p[j], gceQ)  // p[j]^q, held here until the sum is known
                weightedPowers += target(j) * gradient[j]
            }
            for j in 0..<classes { gradient[j] = (p[j] * weightedPowers - target(j) * gradient[j]) * rowScale }
        }
    }
}
