// Parameter: a named tensor of a layer with its role. Its identity keys the optimizer state and the tape leaf.

/// A layer's tensor. `name` is the stable key used in safetensors files (`conv2d.kernel`, `dense_1.bias`,
/// `bn1.running_var`). Frozen parameters (`isTrainable == false`) get no gradient and no optimizer update.
public final class Parameter {
    /// What the tensor is to its layer, which decides how training treats it.
    public enum Role: String, Sendable, CaseIterable {
        /// A kernel multiplying the input (conv, depthwise conv, dense): trained, and decayed by AdamW.
        case weight
        /// An offset added to an output (layer biases, batch-norm beta): trained, never decayed.
        case bias
        /// A normalisation's learned scale (batch-norm gamma): trained, never decayed.
        case scale
        /// State saved with the weights but never trained (batch-norm running mean and variance).
        case buffer
    }

    public let name: String
    public let role: Role
    public var value: Tensor
    /// The gradient from the last backward pass (nil before one, or when the parameter was unused).
    public var gradient: Tensor?
    /// Whether training updates it; a buffer never is.
    public var isTrainable: Bool {
        didSet { precondition(!isTrainable || role != .buffer, "\(name) is a buffer and cannot be trained") }
    }

    /// A parameter that starts trainable unless it is a buffer.
    public init(name: String, role: Role, value: Tensor) {
        self.name = name
        self.role = role
        self.value = value
        isTrainable = role != .buffer
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

/// The values of some parameters (weights and buffers) at one moment, e.g. the best epoch's, to put back
/// later. Tensors are copy-on-write: taking a snapshot copies nothing, and each tensor is copied once when
/// training next changes it.
public struct ParameterSnapshot {
    private let saved: [(parameter: Parameter, value: Tensor)]

    public init(_ parameters: [Parameter]) {
        saved = parameters.map { ($0, $0.value) }
    }

    /// Puts the saved values back into their parameters.
    public func restore() {
        for (parameter, value) in saved { parameter.value = value }
    }
}
