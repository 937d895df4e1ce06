// Tape: the reverse-mode autodiff record. Ops append (inputs, pullback) in execution order, which is
// already topological, so backward walks the records in reverse with no sort and no visited set.

/// Maps an op's output gradient to one gradient per input (nil where `needsGradient` is false or the
/// gradient is zero). Pullbacks capture tensors only, never the tape, so there are no retain cycles.
public typealias Pullback = (_ outputGradient: Tensor, _ needsGradient: [Bool]) -> [Tensor?]

/// Records differentiable ops for one forward pass; `gradients(of:)` runs the backward pass once.
/// Without a tape (inference) ops record nothing.
public final class Tape {
    private struct Record {
        /// Node ids of the inputs; -1 for inputs that need no gradient.
        let inputs: [Int]
        let pullback: Pullback
    }

    /// One entry per node id: the op that produced it, or nil for a leaf.
    private var records: [Record?] = []
    /// Leaf nodes created for keyed values (model parameters), by the key's identity.
    private var keyedNodes: [ObjectIdentifier: Int] = [:]
    private var consumed = false

    public init() {}

    /// A value on this tape that needs no gradient (e.g. an input batch).
    public func constant(_ value: Tensor) -> Variable {
        Variable(value: value, node: nil, tape: self)
    }

    /// A leaf whose gradient `gradients(of:)` will report.
    public func variable(_ value: Tensor) -> Variable {
        records.append(nil)
        return Variable(value: value, node: records.count - 1, tape: self)
    }

    /// The leaf for `key` (e.g. a model parameter), created on first use so that a value used by several ops
    /// is one node and its gradients add up. Read its gradient with `Gradients.subscript(key:)`.
    public func variable(for key: AnyObject, value: Tensor) -> Variable {
        if let node = keyedNodes[ObjectIdentifier(key)] {
            return Variable(value: value, node: node, tape: self)
        }
        let leaf = variable(value)
        keyedNodes[ObjectIdentifier(key)] = leaf.node
        return leaf
    }

    /// Appends an op's output node (only called when some input needs a gradient).
    func record(_ value: Tensor, inputs: [Int], pullback: @escaping Pullback) -> Variable {
        precondition(!consumed, "Tape: recording on a tape whose backward pass already ran")
        records.append(Record(inputs: inputs, pullback: pullback))
        return Variable(value: value, node: records.count - 1, tape: self)
    }

    /// Runs the backward pass from `output` seeded with `seed` (default: ones, i.e. d output / d output = 1,
    /// the usual choice for a scalar loss) and returns the gradients of all leaves. Gradients of a value
    /// used several times are summed. Consumes the tape: captured tensors are released as it goes.
    public func gradients(of output: Variable, seed: Tensor? = nil) -> Gradients {
        precondition(output.tape === self, "Tape: gradients(of:) of a variable recorded on another tape")
        precondition(!consumed, "Tape: gradients(of:) may run only once per tape")
        consumed = true
        var gradients = [Tensor?](repeating: nil, count: records.count)
        guard let outputNode = output.node else {
            return Gradients(values: gradients, keyedNodes: keyedNodes)
        }
        if let seed {
            precondition(seed.count == output.value.count, "Tape: seed \(seed.shape) for output \(output.shape)")
            gradients[outputNode] = seed.reshaped(to: output.shape)
        } else {
            gradients[outputNode] = Tensor(shape: output.shape, repeating: 1)
        }
        for node in stride(from: outputNode, through: 0, by: -1) {
            guard let record = records[node], let outputGradient = gradients[node] else { continue }
            gradients[node] = nil
            records[node] = nil
            let needs = record.inputs.map { $0 >= 0 }
            let inputGradients = record.pullback(outputGradient, needs)
            for (input, gradient) in zip(record.inputs, inputGradients) where input >= 0 {
                guard let gradient else { continue }
                if gradients[input] == nil {
                    gradients[input] = gradient
                } else {
                    gradients[input]!.accumulate(gradient)
                }
            }
        }
        return Gradients(values: gradients, keyedNodes: keyedNodes)
    }
}

/// The leaf gradients from one backward pass.
public struct Gradients {
    fileprivate let values: [Tensor?]
    fileprivate let keyedNodes: [ObjectIdentifier: Int]

    /// The gradient of a leaf made with `Tape.variable(_:)`; nil if the output does not depend on it.
    public subscript(_ variable: Variable) -> Tensor? {
        guard let node = variable.node, node < values.count else { return nil }
        return values[node]
    }

    /// The gradient of the leaf made with `Tape.variable(for: key, value:)`; nil if unused.
    public subscript(key key: AnyObject) -> Tensor? {
        guard let node = keyedNodes[ObjectIdentifier(key)] else { return nil }
        return values[node]
    }
}
