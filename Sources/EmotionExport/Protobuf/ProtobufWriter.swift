// Protocol Buffers binary wire format, the writing half: varints, tags, length-delimited fields and
// nested messages (https://protobuf.dev/programming-guides/encoding/). Only what ONNX needs.
//
// A field is a tag, varint(field number << 3 | wire type), then its payload: wire type 0 a varint,
// 1 eight little-endian bytes, 2 a varint length then that many bytes (strings, bytes, nested messages,
// packed repeated scalars), 5 four little-endian bytes.

/// The wire types (the low three bits of a tag).
enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// Appends fields to a message's bytes. Nested messages are written into their own writer first, since
/// their length precedes them.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    init() {}

    /// An unsigned varint: seven bits per byte, least significant first, high bit set on all but the last.
    mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func appendTag(_ field: Int, _ type: WireType) {
        precondition(field > 0 && field < 1 << 29, "protobuf: field number \(field) out of range")
        appendVarint(UInt64(field) << 3 | UInt64(type.rawValue))
    }

    /// An int32/int64/enum field: negative values as their 64-bit two's complement (ten bytes), as protobuf does.
    mutating func int(_ field: Int, _ value: Int) {
        appendTag(field, .varint)
        appendVarint(UInt64(bitPattern: Int64(value)))
    }

    mutating func bytes(_ field: Int, _ payload: [UInt8]) {
        appendTag(field, .lengthDelimited)
        appendVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    mutating func string(_ field: Int, _ text: String) {
        bytes(field, Array(text.utf8))
    }

    /// A nested message, built by `body` on a fresh writer.
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        bytes(field, nested.bytes)
    }
}
