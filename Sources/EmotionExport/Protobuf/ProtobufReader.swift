// Protocol Buffers binary wire format, the reading half: splits a message's bytes into its fields
// (number and raw payload), the inverse of ProtobufWriter. Which fields mean what is the caller's business.

/// Why bytes are not a well-formed protobuf message.
public enum ProtobufError: Error, Equatable, CustomStringConvertible {
    /// The data ends inside a tag, varint or field payload.
    case truncated(offset: Int)
    /// A varint longer than ten bytes.
    case varintTooLong(offset: Int)
    /// Wire types 3 and 4 (groups) and 6, 7 do not occur in ONNX files.
    case unsupportedWireType(UInt8, offset: Int)
    case invalidFieldNumber(offset: Int)
    /// A field holds a different wire type than its declaration allows.
    case unexpectedWireType(field: Int, message: String)
    case invalidUTF8(field: Int, message: String)

    public var description: String {
        switch self {
        case .truncated(let offset): return "the data ends in the middle of a field (byte \(offset))"
        case .varintTooLong(let offset): return "a varint longer than 10 bytes at byte \(offset)"
        case .unsupportedWireType(let type, let offset): return "unsupported wire type \(type) at byte \(offset)"
        case .invalidFieldNumber(let offset): return "field number 0 at byte \(offset)"
        case .unexpectedWireType(let field, let message): return "\(message) field \(field) has the wrong wire type"
        case .invalidUTF8(let field, let message): return "\(message) field \(field) is not UTF-8 text"
        }
    }
}

/// One field of a message as it is on the wire.
struct ProtobufField {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    let number: Int
    let value: Value

    /// `message` names the containing message type in errors.
    func int(in message: String) throws(ProtobufError) -> Int {
        guard case .varint(let raw) = value else { throw .unexpectedWireType(field: number, message: message) }
        return Int(Int64(bitPattern: raw))
    }

    func bytes(in message: String) throws(ProtobufError) -> ArraySlice<UInt8> {
        guard case .lengthDelimited(let payload) = value else {
            throw .unexpectedWireType(field: number, message: message)
        }
        return payload
    }

    func string(in message: String) throws(ProtobufError) -> String {
        guard let text = String(validating: try bytes(in: message), as: UTF8.self) else {
            throw .invalidUTF8(field: number, message: message)
        }
        return text
    }

    /// A repeated int64 field's values, packed (one run of varints) or not (one varint).
    func ints(in message: String) throws(ProtobufError) -> [Int] {
        switch value {
        case .varint(let raw): return [Int(Int64(bitPattern: raw))]
        case .lengthDelimited(let payload):
            var reader = ProtobufReader(payload)
            var values: [Int] = []
            while !reader.isAtEnd { values.append(Int(Int64(bitPattern: try reader.readVarint()))) }
            return values
        default: throw .unexpectedWireType(field: number, message: message)
        }
    }
}

/// Reads fields off the front of a message's bytes.
struct ProtobufReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    var isAtEnd: Bool { position >= bytes.endIndex }

    /// All fields of the message, in order.
    static func fields(of bytes: ArraySlice<UInt8>) throws(ProtobufError) -> [ProtobufField] {
        var reader = ProtobufReader(bytes)
        var fields: [ProtobufField] = []
        while !reader.isAtEnd { fields.append(try reader.readField()) }
        return fields
    }

    mutating func readVarint() throws(ProtobufError) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard position < bytes.endIndex else { throw .truncated(offset: position - bytes.startIndex) }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        throw .varintTooLong(offset: start - bytes.startIndex)
    }

    mutating func readField() throws(ProtobufError) -> ProtobufField {
        let start = position - bytes.startIndex
        let tag = try readVarint()
        let number = Int(tag >> 3)
        guard number > 0 else { throw .invalidFieldNumber(offset: start) }
        switch UInt8(tag & 7) {
        case WireType.varint.rawValue:
            return ProtobufField(number: number, value: .varint(try readVarint()))
        case WireType.fixed64.rawValue:
            return ProtobufField(number: number, value: .fixed64(try readLittleEndian(byteCount: 8)))
        case WireType.lengthDelimited.rawValue:
            let length = try readVarint()
            guard length <= UInt64(bytes.endIndex - position) else { throw .truncated(offset: start) }
            let payload = bytes[position..<(position + Int(length))]
            position += Int(length)
            return ProtobufField(number: number, value: .lengthDelimited(payload))
        case WireType.fixed32.rawValue:
            return ProtobufField(number: number, value: .fixed32(UInt32(try readLittleEndian(byteCount: 4))))
        case let type:
            throw .unsupportedWireType(type, offset: start)
        }
    }

    private mutating func readLittleEndian(byteCount: Int) throws(ProtobufError) -> UInt64 {
        guard bytes.endIndex - position >= byteCount else { throw .truncated(offset: position - bytes.startIndex) }
        var value: UInt64 = 0
        for index in 0..<byteCount { value |= UInt64(bytes[position + index]) << UInt64(8 * index) }
        position += byteCount
        return value
    }
}
