// One Adam step over a flat parameter array, in one SIMD pass.
//
// Legend: count = number of parameters; m, v = first and second moment (same length).

import Foundation

extension Kernels {
    /// One Keras-3 Adam step (epsilon-hat form), step t starting at 1, with decoupled weight decay wd (AdamW):
    ///   alpha = lr·sqrt(1−β2^t)/(1−β1^t);  m += (g−m)(1−β1);  v += (g²−v)(1−β2);
    ///   p ← p·(1 − lr·wd) − alpha·m/(sqrt(v)+ε)
    public static func adamUpdate(
        parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
        firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>, count: Int,
        learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, step: Int, weightDecay: Float = 0
    ) {
        let t = Double(step)
        let alpha = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        let (oneMinusBeta1, oneMinusBeta2) = (1 - beta1, 1 - beta2)
        let keep = 1 - learningRate * weightDecay
        forEachRange(count: count) { start, end in
            var i = start
            while i + 16 <= end {
                let g: SIMD16<Float> = loadVector(gradients + i)
                var m: SIMD16<Float> = loadVector(firstMoment + i)
                var v: SIMD16<Float> = loadVector(secondMoment + i)
                m += (g - m) * oneMinusBeta1
                v += (g * g - v) * oneMinusBeta2
                let p: SIMD16<Float> = loadVector(parameters + i)
                storeVector(m, firstMoment + i)
                storeVector(v, secondMoment + i)
                storeVector(p * keep - alpha * m / (v.squareRoot() + epsilon), parameters + i)
                i += 16
            }
            while i < end {
                let g = gradients[i]
                firstMoment[i] += (g - firstMoment[i]) * oneMinusBeta1
                secondMoment[i] += (g * g - secondMoment[i]) * oneMinusBeta2
                parameters[i] = parameters[i] * keep - alpha * firstMoment[i] / (secondMoment[i].squareRoot() + epsilon)
                i += 1
            }
        }
    }
}
