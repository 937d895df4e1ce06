// argmax over the last axis: the predicted class of each row of probabilities or logits (for metrics;
// not differentiable and off the training hot path, so a plain loop suffices).

extension Tensor {
    /// For each row (all leading dimensions), the index of the largest element of the last axis; the first
    /// one on ties.
    public func argmaxAlongLastAxis() -> [Int] {
        precondition(rank >= 1 && shape.last! > 0, "argmax: tensor \(shape) has an empty last axis")
        let columns = shape.last!
        let rows = count / columns
        return withUnsafeBufferPointer { buffer in
            (0..<rows).map { row in
                var best = row * columns
                for index in (row * columns + 1)..<((row + 1) * columns) where buffer[index] > buffer[best] {
                    best = index
                }
                return best - row * columns
            }
        }
    }
}
