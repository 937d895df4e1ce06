// ONNX values ⇄ protobuf bytes. Field numbers are onnx.proto's (proto2; ONNX 1.23 checked), each written
// once, in the `Field` enum of the message it belongs to, and used by both directions. Repeated int64
// fields are written unpacked, as proto2 declares them (readers accept both forms). Fields we do not write
// are skipped when reading, as protobuf readers do.

/// Why a file is not an ONNX model this reader understands.
public enum ONNXReadError: Error, Equatable, CustomStringConvertible {
    case malformed(ProtobufError)
    case missingField(message: String, field: String)
    /// An initialiser whose type is not float32 or whose data is not in `raw_data`.
    case unsupportedTensor(name: String, reason: String)
    case unsupportedAttribute(name: String, type: Int)

    public var description: String {
        switch self {
        case .malformed(let error): return "not a valid protobuf message: \(error)"
        case .missingField(let message, let field): return "\(message) has no \(field)"
        case .unsupportedTensor(let name, let reason): return "initializer '\(name)': \(reason)"
        case .unsupportedAttribute(let name, let type): return "attribute '\(name)' has unsupported type \(type)"
        }
    }
}

extension ONNX.Model {
    private enum Field {
        static let irVersion = 1, producerName = 2, producerVersion = 3, docString = 6, graph = 7, opsetImport = 8
        static let metadataProps = 14
    }

    private enum OperatorSetField {
        static let domain = 1, version = 2
    }

    private enum EntryField {
        static let key = 1, value = 2
    }

    /// The ModelProto bytes (what a `.onnx` file holds).
    public func serialized() -> [UInt8] {
        var writer = ProtobufWriter()
        writer.int(Field.irVersion, irVersion)
        writer.string(Field.producerName, producerName)
        writer.string(Field.producerVersion, producerVersion)
        if !docString.isEmpty { writer.string(Field.docString, docString) }
        writer.message(Field.graph) { graph.encode(into: &$0) }
        for opset in opsetImports {
            writer.message(Field.opsetImport) {
                $0.string(OperatorSetField.domain, opset.domain)
                $0.int(OperatorSetField.version, opset.version)
            }
        }
        for entry in metadata {
            writer.message(Field.metadataProps) {
                $0.string(EntryField.key, entry.key)
                $0.string(EntryField.value, entry.value)
            }
        }
        return writer.bytes
    }

    /// Reads ModelProto bytes.
    public init(serialized bytes: [UInt8]) throws(ONNXReadError) {
        do {
            var irVersion: Int?, graph: ONNX.Graph?
            var producerName = "", producerVersion = "", docString = ""
            var opsets: [(domain: String, version: Int)] = []
            var metadata: [(key: String, value: String)] = []
            for field in try ProtobufReader.fields(of: bytes[...]) {
                switch field.number {
                case Field.irVersion: irVersion = try field.int(in: "ModelProto")
                case Field.producerName: producerName = try field.string(in: "ModelProto")
                case Field.producerVersion: producerVersion = try field.string(in: "ModelProto")
                case Field.docString: docString = try field.string(in: "ModelProto")
                case Field.graph: graph = try ONNX.Graph(decoding: try field.bytes(in: "ModelProto"))
                case Field.opsetImport:
                    var domain = "", version: Int?
                    for inner in try ProtobufReader.fields(of: try field.bytes(in: "ModelProto")) {
                        switch inner.number {
                        case OperatorSetField.domain: domain = try inner.string(in: "OperatorSetIdProto")
                        case OperatorSetField.version: version = try inner.int(in: "OperatorSetIdProto")
                        default: break
                        }
                    }
                    guard let version else { throw ONNXReadError.missingField(message: "OperatorSetIdProto", field: "version") }
                    opsets.append((domain, version))
                case Field.metadataProps:
                    var key = "", value = ""
                    for inner in try ProtobufReader.fields(of: try field.bytes(in: "ModelProto")) {
                        switch inner.number {
                        case EntryField.key: key = try inner.string(in: "StringStringEntryProto")
                        case EntryField.value: value = try inner.string(in: "StringStringEntryProto")
                        default: break
                        }
                    }
                    metadata.append((key, value))
                default: break
                }
            }
            guard let irVersion else { throw ONNXReadError.missingField(message: "ModelProto", field: "ir_version") }
            guard let graph else { throw ONNXReadError.missingField(message: "ModelProto", field: "graph") }
            self.init(irVersion: irVersion, opsetImports: opsets, producerName: producerName,
                      producerVersion: producerVersion, docString: docString, graph: graph, metadata: metadata)
        } catch let error as ProtobufError {
            throw .malformed(error)
        } catch let error as ONNXReadError {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }
}

extension ONNX.Graph {
    private enum Field {
        static let node = 1, name = 2, initializer = 5, input = 11, output = 12
    }

    func encode(into writer: inout ProtobufWriter) {
        for node in nodes { writer.message(Field.node) { node.encode(into: &$0) } }
        writer.string(Field.name, name)
        for initializer in initializers { writer.message(Field.initializer) { initializer.encode(into: &$0) } }
        for input in inputs { writer.message(Field.input) { input.encode(into: &$0) } }
        for output in outputs { writer.message(Field.output) { output.encode(into: &$0) } }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws {
        var name = ""
        var nodes: [ONNX.Node] = [], initializers: [ONNX.Initializer] = []
        var inputs: [ONNX.ValueInfo] = [], outputs: [ONNX.ValueInfo] = []
        for field in try ProtobufReader.fields(of: bytes) {
            switch field.number {
            case Field.node: nodes.append(try ONNX.Node(decoding: try field.bytes(in: "GraphProto")))
            case Field.name: name = try field.string(in: "GraphProto")
            case Field.initializer: initializers.append(try ONNX.Initializer(decoding: try field.bytes(in: "GraphProto")))
            case Field.input: inputs.append(try ONNX.ValueInfo(decoding: try field.bytes(in: "GraphProto")))
            case Field.output: outputs.append(try ONNX.ValueInfo(decoding: try field.bytes(in: "GraphProto")))
            default: break
            }
        }
        self.init(name: name, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs)
    }
}

extension ONNX.Node {
    private enum Field {
        static let input = 1, output = 2, name = 3, opType = 4, attribute = 5
    }

    func encode(into writer: inout ProtobufWriter) {
        for input in inputs { writer.string(Field.input, input) }
        for output in outputs { writer.string(Field.output, output) }
        writer.string(Field.name, name)
        writer.string(Field.opType, opType)
        for attribute in attributes { writer.message(Field.attribute) { attribute.encode(into: &$0) } }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws {
        var name = "", opType = ""
        var inputs: [String] = [], outputs: [String] = [], attributes: [ONNX.Attribute] = []
        for field in try ProtobufReader.fields(of: bytes) {
            switch field.number {
            case Field.input: inputs.append(try field.string(in: "NodeProto"))
            case Field.output: outputs.append(try field.string(in: "NodeProto"))
            case Field.name: name = try field.string(in: "NodeProto")
            case Field.opType: opType = try field.string(in: "NodeProto")
            case Field.attribute: attributes.append(try ONNX.Attribute(decoding: try field.bytes(in: "NodeProto")))
            default: break
            }
        }
        self.init(name: name, opType: opType, inputs: inputs, outputs: outputs, attributes: attributes)
    }
}

extension ONNX.Attribute {
    private enum Field {
        static let name = 1, int = 3, ints = 8, type = 20
    }

    /// AttributeProto.AttributeType values.
    private enum AttributeType {
        static let int = 2, ints = 7
    }

    /// Fields in number order (name, value, type), as protobuf's own serialisers write them.
    func encode(into writer: inout ProtobufWriter) {
        writer.string(Field.name, name)
        switch value {
        case .int(let value):
            writer.int(Field.int, value)
            writer.int(Field.type, AttributeType.int)
        case .ints(let values):
            for value in values { writer.int(Field.ints, value) }
            writer.int(Field.type, AttributeType.ints)
        }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws {
        var name = "", type: Int?
        var int = 0, ints: [Int] = []
        for field in try ProtobufReader.fields(of: bytes) {
            switch field.number {
            case Field.name: name = try field.string(in: "AttributeProto")
            case Field.type: type = try field.int(in: "AttributeProto")
            case Field.int: int = try field.int(in: "AttributeProto")
            case Field.ints: ints += try field.ints(in: "AttributeProto")
            default: break
            }
        }
        switch type {
        case AttributeType.int: self.init(name, .int(int))
        case AttributeType.ints: self.init(name, .ints(ints))
        case nil: throw ONNXReadError.missingField(message: "AttributeProto '\(name)'", field: "type")
        case let other?: throw ONNXReadError.unsupportedAttribute(name: name, type: other)
        }
    }
}

extension ONNX.Initializer {
    private enum Field {
        static let dims = 1, dataType = 2, name = 8, rawData = 9
    }

    /// dims, FLOAT, name, then the values as little-endian float32 `raw_data`.
    func encode(into writer: inout ProtobufWriter) {
        for dim in dims { writer.int(Field.dims, dim) }
        writer.int(Field.dataType, ONNX.floatType)
        writer.string(Field.name, name)
        var raw: [UInt8] = []
        raw.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern
            raw += [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                    UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
        }
        writer.bytes(Field.rawData, raw)
    }

    init(decoding bytes: ArraySlice<UInt8>) throws {
        var name = "", dims: [Int] = [], dataType: Int?
        var raw: ArraySlice<UInt8>?
        for field in try ProtobufReader.fields(of: bytes) {
            switch field.number {
            case Field.dims: dims += try field.ints(in: "TensorProto")
            case Field.dataType: dataType = try field.int(in: "TensorProto")
            case Field.name: name = try field.string(in: "TensorProto")
            case Field.rawData: raw = try field.bytes(in: "TensorProto")
            default: break
            }
        }
        guard dataType == ONNX.floatType else {
            throw ONNXReadError.unsupportedTensor(name: name, reason: "data type \(dataType.map(String.init) ?? "missing"), not FLOAT (1)")
        }
        guard let raw else { throw ONNXReadError.unsupportedTensor(name: name, reason: "no raw_data") }
        let count = dims.reduce(1, *)
        guard dims.allSatisfy({ $0 >= 0 }), raw.count == count * 4 else {
            throw ONNXReadError.unsupportedTensor(name: name, reason: "\(raw.count) bytes of raw_data for dims \(dims)")
        }
        var values = [Float](repeating: 0, count: count)
        var offset = raw.startIndex
        for index in 0..<count {
            let bits = UInt32(raw[offset]) | UInt32(raw[offset + 1]) << 8 | UInt32(raw[offset + 2]) << 16
                | UInt32(raw[offset + 3]) << 24
            values[index] = Float(bitPattern: bits)
            offset += 4
        }
        self.init(name: name, dims: dims, values: values)
    }
}

extension ONNX.ValueInfo {
    private enum Field {
        static let name = 1, type = 2
    }

    /// TypeProto.tensor_type, TypeProto.Tensor.{elem_type, shape}, TensorShapeProto.dim and
    /// Dimension.{dim_value, dim_param}.
    private enum TypeField {
        static let tensorType = 1, elementType = 1, shape = 2, dimension = 1, dimensionValue = 1, dimensionParameter = 2
    }

    func encode(into writer: inout ProtobufWriter) {
        writer.string(Field.name, name)
        writer.message(Field.type) { type in
            type.message(TypeField.tensorType) { tensor in
                tensor.int(TypeField.elementType, elementType)
                tensor.message(TypeField.shape) { shape in
                    for dimension in self.shape {
                        shape.message(TypeField.dimension) {
                            switch dimension {
                            case .fixed(let size): $0.int(TypeField.dimensionValue, size)
                            case .symbolic(let name): $0.string(TypeField.dimensionParameter, name)
                            }
                        }
                    }
                }
            }
        }
    }

    init(decoding bytes: ArraySlice<UInt8>) throws {
        var name = "", elementType: Int?, shape: [ONNX.Dimension] = []
        for field in try ProtobufReader.fields(of: bytes) {
            switch field.number {
            case Field.name: name = try field.string(in: "ValueInfoProto")
            case Field.type:
                // TypeProto → tensor_type (TypeProto.Tensor) → elem_type and shape.
                for typeField in try ProtobufReader.fields(of: try field.bytes(in: "ValueInfoProto"))
                where typeField.number == TypeField.tensorType {
                    for tensorField in try ProtobufReader.fields(of: try typeField.bytes(in: "TypeProto")) {
                        switch tensorField.number {
                        case TypeField.elementType: elementType = try tensorField.int(in: "TypeProto.Tensor")
                        case TypeField.shape: shape = try Self.dimensions(try tensorField.bytes(in: "TypeProto.Tensor"))
                        default: break
                        }
                    }
                }
            default: break
            }
        }
        guard let elementType else { throw ONNXReadError.missingField(message: "ValueInfoProto '\(name)'", field: "tensor elem_type") }
        self.init(name: name, elementType: elementType, shape: shape)
    }

    /// The dimensions of a TensorShapeProto (one with neither a value nor a name, unknown, as `.symbolic("")`).
    private static func dimensions(_ bytes: ArraySlice<UInt8>) throws -> [ONNX.Dimension] {
        try ProtobufReader.fields(of: bytes).filter { $0.number == TypeField.dimension }.map { dimension in
            var value = ONNX.Dimension.symbolic("")
            for field in try ProtobufReader.fields(of: try dimension.bytes(in: "TensorShapeProto")) {
                switch field.number {
                case TypeField.dimensionValue: value = .fixed(try field.int(in: "TensorShapeProto.Dimension"))
                case TypeField.dimensionParameter: value = .symbolic(try field.string(in: "TensorShapeProto.Dimension"))
                default: break
                }
            }
            return value
        }
    }
}
