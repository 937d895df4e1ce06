// Parameter: a named, trainable tensor of a layer. Its identity keys the optimizer state and the tape leaf.

/// A layer's weight tensor. `name` is the stable key used in safetensors files (`conv2d.kernel`,
/// `dense_1.bias`). Frozen parameters (`isTrainable == false`) get no gradient and no optimizer update.
public final class Parameter {
    public let name: String
    public var value: Tensor
    /// The gradient from the last backward pass (nil before one, or when the parameter was unused).
    public var gradient: Tensor?
    public var isTrainable: Bool

    public init(name: String, value: Tensor, isTrainable: Bool = true) {
        self.name = name
        self.value = value
        self.isTrainable = isTrainable
    }

    /// Number of scalars.
    public var count: Int { value.count }

    /// Forgets the gradient.
    public func zeroGradient() {
        gradient = nil
    }

    /// This parameter as an operand of the pass running on `tape`: a gradient leaf when training it,
    /// a constant otherwise.
    func variable(on tape: Tape?) -> Variable {
        guard let tape, isTrainable else { return Variable(value) }
        return tape.variable(for: self, value: value)
    }
}
