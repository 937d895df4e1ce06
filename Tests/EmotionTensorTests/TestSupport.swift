// Helpers shared by the tensor tests: seeded random tensors, including ones kept away from ReLU/max kinks.

import EmotionTensor

/// Uniform values in [−scale, scale), reproducible from `seed`.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<count).map { _ in (2 * generator.nextUnitFloat() - 1) * scale })
}

/// Values whose magnitude is at least `margin`, so a finite-difference step smaller than it never crosses 0.
func randomTensorAwayFromZero(_ shape: [Int], seed: UInt64, margin: Float = 0.1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<count).map { _ in
        let magnitude = margin + generator.nextUnitFloat()
        return generator.next() & 1 == 0 ? magnitude : -magnitude
    })
}

/// A shuffle of evenly spaced distinct values (spacing `spacing`), so no two are within a small step.
func distinctTensor(_ shape: [Int], seed: UInt64, spacing: Float = 0.05) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    var values = (0..<count).map { Float($0) * spacing - Float(count) * spacing / 2 }
    values.shuffle(using: &generator)
    return Tensor(shape: shape, scalars: values)
}
