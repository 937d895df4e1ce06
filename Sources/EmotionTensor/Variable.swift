// Variable: a tensor value plus its place on a tape (if any), the thing every op takes and returns.

/// A value flowing through the graph. `node` is nil when no gradient flows to it; `tape` is nil in
/// inference, where ops record nothing.
public struct Variable {
    public let value: Tensor
    let node: Int?
    /// The tape this value was recorded on, if any; ops on it record onto the same tape.
    public let tape: Tape?

    init(value: Tensor, node: Int?, tape: Tape?) {
        self.value = value
        self.node = node
        self.tape = tape
    }

    /// A value on no tape (inference, or a constant operand).
    public init(_ value: Tensor) {
        self.init(value: value, node: nil, tape: nil)
    }

    public var shape: [Int] { value.shape }

    /// Whether a backward pass will produce a gradient for this value.
    public var requiresGradient: Bool { node != nil }

    /// The result of an op on `inputs`: recorded with `pullback` when some input needs a gradient, otherwise
    /// returned untracked (keeping the tape so later ops still record onto it).
    static func result(_ value: Tensor, of inputs: [Variable], pullback: @escaping Pullback) -> Variable {
        var tape: Tape?
        for input in inputs {
            guard let inputTape = input.tape else { continue }
            precondition(tape == nil || tape === inputTape, "Variable: op inputs recorded on different tapes")
            tape = inputTape
        }
        guard let tape, inputs.contains(where: { $0.node != nil }) else {
            return Variable(value: value, node: nil, tape: tape)
        }
        return tape.record(value, inputs: inputs.map { $0.node ?? -1 }, pullback: pullback)
    }
}
