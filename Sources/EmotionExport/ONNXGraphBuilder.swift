// Building an ONNX graph one operator at a time: unique value names, initialisers, and the layout of each
// activation, with a Transpose inserted only where the next operator needs the other layout.

/// Where an activation's channels are. The graph's input is NHWC (our tensors' layout); ONNX's Conv,
/// MaxPool and GlobalAveragePool want NCHW; Dense layers see a [N, features] matrix.
enum ONNXLayout: Sendable {
    case nhwc, nchw, matrix

    /// The Transpose permutation from `self` to `other` (both image layouts).
    func permutation(to other: ONNXLayout) -> [Int] {
        switch (self, other) {
        case (.nhwc, .nchw): return [0, 3, 1, 2]
        case (.nchw, .nhwc): return [0, 2, 3, 1]
        default: preconditionFailure("no transpose from \(self) to \(other)")
        }
    }
}

/// An activation of the graph under construction: its value name, its layout, and its per-image shape as
/// our layers see it ([H, W, C] for images in either layout, [features] for a matrix).
struct ONNXValue: Sendable {
    let name: String
    let layout: ONNXLayout
    let shape: [Int]
}

/// Accumulates the nodes and initialisers of one graph.
struct ONNXGraphBuilder {
    private(set) var nodes: [ONNX.Node] = []
    private(set) var initializers: [ONNX.Initializer] = []
    private var usedNames: Set<String> = []

    init(reservedNames: [String]) {
        usedNames = Set(reservedNames)
    }

    /// `base`, or `base_1`, `base_2`, … when it is taken.
    private mutating func uniqueName(_ base: String) -> String {
        var candidate = base
        var index = 0
        while usedNames.contains(candidate) {
            index += 1
            candidate = "\(base)_\(index)"
        }
        usedNames.insert(candidate)
        return candidate
    }

    /// Adds a float32 initialiser (a weight) and returns its unique name.
    mutating func initializer(_ name: String, dims: [Int], values: [Float]) -> String {
        let unique = uniqueName(name)
        initializers.append(ONNX.Initializer(name: unique, dims: dims, values: values))
        return unique
    }

    /// The rank-0 constant called `name`, added the first time it is asked for.
    mutating func scalar(_ name: String, _ value: Float) -> String {
        if let existing = initializers.first(where: { $0.name == name }) {
            precondition(existing.values == [value], "ONNX constant \(name) asked for with two values")
            return name
        }
        return initializer(name, dims: [], values: [value])
    }

    /// Adds an `opType` node on `inputs`, named `<scope>/<opType>` (made unique), whose one output carries
    /// the node's name; returns that output's name.
    mutating func node(_ opType: String, _ inputs: [String], scope: String, attributes: [ONNX.Attribute] = []) -> String {
        let name = uniqueName("\(scope)/\(opType)")
        nodes.append(ONNX.Node(name: name, opType: opType, inputs: inputs, outputs: [name], attributes: attributes))
        return name
    }

    /// Adds an `opType` node with `outputCount` outputs (`<name>:0`, `<name>:1`, …) and returns their names.
    mutating func node(
        _ opType: String, _ inputs: [String], scope: String, outputCount: Int, attributes: [ONNX.Attribute] = []
    ) -> [String] {
        let name = uniqueName("\(scope)/\(opType)")
        let outputs = (0..<outputCount).map { "\(name):\($0)" }
        nodes.append(ONNX.Node(name: name, opType: opType, inputs: inputs, outputs: outputs, attributes: attributes))
        return outputs
    }

    /// `value` in `layout`: itself, or a Transpose of it.
    mutating func converted(_ value: ONNXValue, to layout: ONNXLayout) -> ONNXValue {
        guard value.layout != layout else { return value }
        let scope = value.name.split(separator: "/").first.map(String.init) ?? value.name
        let output = node("Transpose", [value.name], scope: scope,
                          attributes: [ONNX.Attribute("perm", .ints(value.layout.permutation(to: layout)))])
        return ONNXValue(name: output, layout: layout, shape: value.shape)
    }

    /// Gives value `old` the name `new`, one of the `reservedNames` (so no other value has it).
    mutating func rename(_ old: String, to new: String) {
        for index in nodes.indices {
            nodes[index].outputs = nodes[index].outputs.map { $0 == old ? new : $0 }
            nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
        }
    }
}
