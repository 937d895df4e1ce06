// Dense: a fully connected layer (Keras Dense): kernel [in, units], bias [units].

/// Keras-style `Dense(units, activation)`. With `.softmax` the forward pass returns probabilities, and
/// `logits(_:mode:)` gives the pre-softmax values for the fused softmax cross-entropy.
public final class Dense: Layer {
    public var name: String
    public let units: Int
    public let activation: Activation
    public let useBias: Bool
    public private(set) var kernel: Parameter?
    public private(set) var bias: Parameter?

    public init(units: Int, activation: Activation = .linear, useBias: Bool = true, name: String = "") {
        precondition(units > 0, "Dense: units must be positive")
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.name = name
    }

    public var kerasClassName: String { "Dense" }

    public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }

    public func build(inputShape: [Int], generator: inout SeededGenerator) {
        precondition(inputShape.count == 1, "Dense \(name): input shape \(inputShape) is not [features]")
        if let kernel {  // Built already (the layer is shared by another model view): keep its weights.
            precondition(kernel.value.shape[0] == inputShape[0], "Dense \(name): built for \(kernel.value.shape[0]) inputs, not \(inputShape[0])")
            return
        }
        kernel = Parameter(name: "\(name).kernel", role: .weight,
                           value: .glorotUniform(shape: [inputShape[0], units], generator: &generator))
        bias = useBias ? Parameter(name: "\(name).bias", role: .bias, value: Tensor(shape: [units])) : nil
    }

    public func outputShape(forInputShape inputShape: [Int]) -> [Int] { [units] }

    public func callAsFunction(_ x: Variable, mode: Mode) -> Variable {
        let output = logits(x, mode: mode)
        return activation == .softmax ? softmax(output) : output
    }

    /// The output before a softmax activation (identical to the forward pass for other activations).
    public func logits(_ x: Variable, mode: Mode) -> Variable {
        guard let kernel else { preconditionFailure("Dense \(name): used before build") }
        return dense(x, kernel: kernel.variable(on: x.tape), bias: bias?.variable(on: x.tape),
                     activation: activation.fused)
    }
}
