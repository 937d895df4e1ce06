// Closeness of computed values to expected ones.

import EmotionTensor

/// The largest |actual − expected|, or infinity when the lengths differ or a value is NaN.
public func maxAbsoluteDifference(_ actual: [Float], _ expected: [Float]) -> Float {
    guard actual.count == expected.count else { return .infinity }
    var worst: Float = 0
    for (a, e) in zip(actual, expected) {
        let difference = abs(a - e)
        if !(difference <= worst) { worst = difference.isNaN ? .infinity : difference }
    }
    return worst
}

/// The largest |actual − expected| over two tensors (infinity when the shapes differ or a value is NaN).
public func maxAbsoluteDifference(_ actual: Tensor, _ expected: Tensor) -> Float {
    guard actual.shape == expected.shape else { return .infinity }
    return maxAbsoluteDifference(actual.scalars, expected.scalars)
}
