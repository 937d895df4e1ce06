// The part of the ONNX model format (onnx/onnx.proto) that `emotion export` writes, as Swift values:
// a model with its opset and metadata, one graph of nodes, float32 initialisers, typed inputs and
// outputs. ONNXWireFormat.swift turns them into protobuf bytes and back.

/// Namespace of the ONNX model types.
public enum ONNX {
    /// The operator set the exported graphs use (ai.onnx 13, supported by onnxruntime ≥ 1.7, the Core ML
    /// and TensorRT converters), and the IR version that goes with it.
    public static let opsetVersion = 13
    public static let irVersion = 7

    /// TensorProto.DataType.FLOAT: the only element type we write.
    public static let floatType = 1

    /// A ModelProto.
    public struct Model: Sendable, Equatable {
        public var irVersion: Int
        /// (domain, version) pairs; "" is the default ai.onnx domain.
        public var opsetImports: [(domain: String, version: Int)]
        public var producerName: String
        public var producerVersion: String
        public var docString: String
        public var graph: Graph
        /// `metadata_props`: string key/value pairs, in order.
        public var metadata: [(key: String, value: String)]

        public init(
            irVersion: Int = ONNX.irVersion, opsetImports: [(domain: String, version: Int)] = [("", ONNX.opsetVersion)],
            producerName: String, producerVersion: String, docString: String = "", graph: Graph,
            metadata: [(key: String, value: String)]
        ) {
            self.irVersion = irVersion
            self.opsetImports = opsetImports
            self.producerName = producerName
            self.producerVersion = producerVersion
            self.docString = docString
            self.graph = graph
            self.metadata = metadata
        }

        /// The value of metadata entry `key`, if present.
        public func metadata(_ key: String) -> String? {
            metadata.first { $0.key == key }?.value
        }

        public static func == (a: Model, b: Model) -> Bool {
            a.irVersion == b.irVersion && a.opsetImports.elementsEqual(b.opsetImports, by: ==)
                && a.producerName == b.producerName && a.producerVersion == b.producerVersion
                && a.docString == b.docString && a.graph == b.graph && a.metadata.elementsEqual(b.metadata, by: ==)
        }
    }

    /// A GraphProto: nodes in topological order, weights as initialisers, the graph's inputs and outputs.
    public struct Graph: Sendable, Equatable {
        public var name: String
        public var nodes: [Node]
        public var initializers: [Initializer]
        public var inputs: [ValueInfo]
        public var outputs: [ValueInfo]

        public init(name: String, nodes: [Node], initializers: [Initializer], inputs: [ValueInfo], outputs: [ValueInfo]) {
            self.name = name
            self.nodes = nodes
            self.initializers = initializers
            self.inputs = inputs
            self.outputs = outputs
        }

        /// The initialiser called `name`.
        public func initializer(named name: String) -> Initializer? {
            initializers.first { $0.name == name }
        }

        /// The node that produces value `name`.
        public func producer(of name: String) -> Node? {
            nodes.first { $0.outputs.contains(name) }
        }
    }

    /// A NodeProto: one operator application.
    public struct Node: Sendable, Equatable {
        public var name: String
        public var opType: String
        public var inputs: [String]
        public var outputs: [String]
        public var attributes: [Attribute]

        public init(name: String, opType: String, inputs: [String], outputs: [String], attributes: [Attribute] = []) {
            self.name = name
            self.opType = opType
            self.inputs = inputs
            self.outputs = outputs
            self.attributes = attributes
        }

        /// The value of attribute `name`, if present.
        public func attribute(_ name: String) -> Attribute.Value? {
            attributes.first { $0.name == name }?.value
        }
    }

    /// An AttributeProto of the kinds our operators take (an integer or a list of integers).
    public struct Attribute: Sendable, Equatable {
        public enum Value: Sendable, Equatable {
            case int(Int)
            case ints([Int])
        }

        public var name: String
        public var value: Value

        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// A float32 TensorProto (a weight or constant), row-major, stored as `raw_data`.
    public struct Initializer: Sendable, Equatable {
        public var name: String
        public var dims: [Int]
        public var values: [Float]

        public init(name: String, dims: [Int], values: [Float]) {
            precondition(dims.reduce(1, *) == values.count, "ONNX initializer \(name): \(values.count) values for \(dims)")
            self.name = name
            self.dims = dims
            self.values = values
        }
    }

    /// One axis of a tensor type: a fixed size or a named free size (`N`, the batch).
    public enum Dimension: Sendable, Equatable {
        case fixed(Int)
        case symbolic(String)
    }

    /// A ValueInfoProto: a graph input's or output's name and float tensor type.
    public struct ValueInfo: Sendable, Equatable {
        public var name: String
        public var elementType: Int
        public var shape: [Dimension]

        public init(name: String, elementType: Int = ONNX.floatType, shape: [Dimension]) {
            self.name = name
            self.elementType = elementType
            self.shape = shape
        }
    }
}
