// reshape and flatten: new shapes over the same scalars (no copy); the VJP reshapes the gradient back.

/// `input` viewed with `shape` (same element count; storage is shared, nothing is copied).
public func reshape(_ input: Variable, to shape: [Int]) -> Variable {
    let inputShape = input.shape
    return Variable.result(input.value.reshaped(to: shape), of: [input]) { dy, _ in
        [dy.reshaped(to: inputShape)]
    }
}

/// [N, d1, d2, …] → [N, d1·d2·…] in row-major (NHWC) order, which is Keras's Flatten order.
public func flatten(_ input: Variable) -> Variable {
    precondition(input.value.rank >= 1, "flatten: a scalar has no batch dimension")
    let batch = input.shape[0]
    return reshape(input, to: [batch, batch == 0 ? 0 : input.value.count / batch])
}
