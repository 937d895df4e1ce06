// Seeded random test data: reproducible floats and tensors, including ones kept away from the kinks of
// ReLU and max (where a finite difference would straddle the kink).

import EmotionTensor

/// `count` floats uniform in [-1, 1).
public func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in 2 * generator.nextUnitFloat() - 1 }
}

/// Uniform values in [−scale, scale), reproducible from `seed`.
public func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    Tensor(shape: shape, scalars: randomFloats(shape.reduce(1, *), seed: seed).map { $0 * scale })
}

/// Values whose magnitude is at least `margin`, so a finite-difference step smaller than it never crosses 0.
public func randomTensorAwayFromZero(_ shape: [Int], seed: UInt64, margin: Float = 0.1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<count).map { _ in
        let magnitude = margin + generator.nextUnitFloat()
        return generator.next() & 1 == 0 ? magnitude : -magnitude
    })
}

/// A shuffle of evenly spaced distinct values (spacing `spacing`), so no two are within a small step.
public func distinctTensor(_ shape: [Int], seed: UInt64, spacing: Float = 0.05) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    var values = (0..<count).map { Float($0) * spacing - Float(count) * spacing / 2 }
    values.shuffle(using: &generator)
    return Tensor(shape: shape, scalars: values)
}
