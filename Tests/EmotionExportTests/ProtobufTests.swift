// The protobuf wire format against the encoding guide's own examples (protobuf.dev/programming-guides/
// encoding), two's-complement negatives, nested messages, round trips, and the reader's errors.

import Testing
@testable import EmotionExport

@Suite struct ProtobufTests {
    @Test func encodesTheGuidesExamples() {
        var writer = ProtobufWriter()
        writer.int(1, 150)  // "a = 150" is 08 96 01
        #expect(writer.bytes == [0x08, 0x96, 0x01])
        writer = ProtobufWriter()
        writer.string(2, "testing")  // 12 07 74 65 73 74 69 6e 67
        #expect(writer.bytes == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67])
        writer = ProtobufWriter()
        writer.message(3) { $0.int(1, 150) }  // an embedded message c = {a = 150}: 1a 03 08 96 01
        #expect(writer.bytes == [0x1a, 0x03, 0x08, 0x96, 0x01])
    }

    @Test func negativeIntegersTakeTenBytes() throws {
        var writer = ProtobufWriter()
        writer.int(1, -1)
        #expect(writer.bytes == [0x08] + [UInt8](repeating: 0xff, count: 9) + [0x01])
        let fields = try ProtobufReader.fields(of: writer.bytes[...])
        #expect(try fields.map { try $0.int(in: "test") } == [-1])
    }

    @Test func roundTripsFieldsOfEveryKindWeWrite() throws {
        var writer = ProtobufWriter()
        writer.int(1, 0)
        writer.int(2, 1 << 40)
        writer.string(300, "ünïcode")  // a field number that needs a two-byte tag
        writer.bytes(4, [])
        writer.message(5) { $0.int(1, 7); $0.int(1, 8) }
        let fields = try ProtobufReader.fields(of: writer.bytes[...])
        #expect(fields.map(\.number) == [1, 2, 300, 4, 5])
        #expect(try fields[0].int(in: "test") == 0)
        #expect(try fields[1].int(in: "test") == 1 << 40)
        #expect(try fields[2].string(in: "test") == "ünïcode")
        #expect(try fields[3].bytes(in: "test").isEmpty)
        let nested = try ProtobufReader.fields(of: try fields[4].bytes(in: "test"))
        #expect(try nested.flatMap { try $0.ints(in: "test") } == [7, 8])
    }

    @Test func readsPackedRepeatedIntegers() throws {
        // Field 8, packed: 42 03 01 96 01 holds [1, 150].
        let fields = try ProtobufReader.fields(of: [0x42, 0x03, 0x01, 0x96, 0x01][...])
        #expect(try fields[0].ints(in: "test") == [1, 150])
    }

    @Test func skipsFixedWidthFieldsItDoesNotUse() throws {
        // A fixed32 (field 2) and a fixed64 (field 3) between two varints.
        let bytes: [UInt8] = [0x08, 0x01, 0x15, 1, 2, 3, 4, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x20, 0x05]
        let fields = try ProtobufReader.fields(of: bytes[...])
        #expect(fields.map(\.number) == [1, 2, 3, 4])
        #expect(try fields[3].int(in: "test") == 5)
    }

    @Test(arguments: [
        ([0x08] as [UInt8], ProtobufError.truncated(offset: 1)),
        ([0x08, 0x96], .truncated(offset: 2)),
        ([0x12, 0x05, 0x61], .truncated(offset: 0)),
        ([0x08] + [UInt8](repeating: 0x80, count: 10) + [0x01], .varintTooLong(offset: 1)),
        ([0x0b], .unsupportedWireType(3, offset: 0)),
        ([0x00, 0x01], .invalidFieldNumber(offset: 0)),
    ])
    func rejectsMalformedBytes(bytes: [UInt8], error: ProtobufError) {
        #expect(throws: error) { try ProtobufReader.fields(of: bytes[...]) }
    }

    @Test func namesTheMessageWhenAWireTypeIsWrong() throws {
        var writer = ProtobufWriter()
        writer.int(4, 1)
        let field = try ProtobufReader.fields(of: writer.bytes[...])[0]
        #expect(throws: ProtobufError.unexpectedWireType(field: 4, message: "NodeProto")) {
            try field.string(in: "NodeProto")
        }
    }
}
