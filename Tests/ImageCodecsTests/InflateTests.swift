/// Inflate: streams made by Python's zlib (levels 0, 1, 9) decoded byte-exactly, and hand-made edge-case
/// streams that must fail with a specific error.
import Foundation
import Testing
@testable import ImageCodecs

/// Builds deflate bit streams by hand, least-significant bit first.
private struct BitStream {
    var bytes: [UInt8] = []
    private var bitCount = 0

    mutating func write(_ value: Int, bits: Int) {
        for i in 0..<bits {
            if bitCount % 8 == 0 { bytes.append(0) }
            if value >> i & 1 == 1 { bytes[bytes.count - 1] |= 1 << UInt8(bitCount % 8) }
            bitCount += 1
        }
    }

    /// A Huffman code, most-significant bit first as deflate sends codes.
    mutating func writeCode(_ code: Int, length: Int) {
        for i in stride(from: length - 1, through: 0, by: -1) { write(code >> i & 1, bits: 1) }
    }

    /// A dynamic block header whose code-length code gives symbols 0...15 four bits each (code = symbol),
    /// followed by `lengths` (literal/length then distance) written one symbol each.
    mutating func dynamicHeader(literalCount: Int, distanceCount: Int, lengths: [Int], final: Bool = true) {
        write(final ? 1 : 0, bits: 1)
        write(2, bits: 2)
        write(literalCount - 257, bits: 5)
        write(distanceCount - 1, bits: 5)
        write(19 - 4, bits: 4)
        for symbol in DeflateFormat.codeLengthOrder { write(symbol < 16 ? 4 : 0, bits: 3) }
        for length in lengths { writeCode(length, length: 4) }
    }
}

/// The data the fixture script compressed (same generator as `reference_data` in the script).
private func referenceData(_ n: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: n)
    var state = 12345
    for i in 0..<n {
        state = (state &* 1_103_515_245 &+ 12345) & 0x7FFF_FFFF
        switch (i / 4096) % 3 {
        case 0: out[i] = UInt8(97 + (state >> 16) % 8)
        case 1: out[i] = UInt8((state >> 16) & 0xFF)
        default: out[i] = UInt8((i / 97) & 0xFF)
        }
    }
    return out
}

private func inflateError(_ bytes: [UInt8], zlib: Bool = false, limit: Int = 1 << 20) -> InflateError? {
    do {
        if zlib { _ = try Inflate.zlibDecompress(bytes, limit: limit) } else { _ = try Inflate.decompress(bytes, limit: limit) }
        return nil
    } catch {
        return error
    }
}

@Suite("Inflate")
struct InflateTests {
    static let zlibFixtures: [(size: Int, level: Int)] = [0, 1, 70000].flatMap { n in [0, 1, 9].map { (n, $0) } }

    @Test("Python zlib streams decode byte-exactly", arguments: zlibFixtures)
    func pythonZlibStreams(size: Int, level: Int) throws {
        let stream = try PNGTestSupport.fixture("png/zlib/data\(size)_level\(level).zlib")
        let expected = referenceData(size)
        #expect(try Inflate.zlibDecompress(stream, limit: size) == expected)
        // The same stream with a limit one byte short must stop with the limit error.
        if size > 0 {
            #expect(throws: InflateError.outputLimitExceeded(limit: size - 1)) {
                try Inflate.zlibDecompress(stream, limit: size - 1)
            }
        }
    }

    @Test func storedBlockAcrossTheInput() throws {
        // Final stored block "abc" followed by trailing bytes that are not part of the stream.
        let (bytes, consumed) = try Inflate.decompress([0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61, 0x62, 0x63, 0xEE], limit: 10)
        #expect(bytes == Array("abc".utf8))
        #expect(consumed == 8)
    }

    @Test func storedLengthMismatch() {
        #expect(inflateError([0x01, 0x05, 0x00, 0x00, 0x00]) == .storedLengthMismatch(length: 5, complement: 0))
    }

    @Test func emptyAndTruncatedInput() throws {
        #expect(inflateError([]) == .unexpectedEndOfInput)
        #expect(inflateError([], zlib: true) == .unexpectedEndOfInput)
        // A stored block that promises 3 bytes and holds 2.
        #expect(inflateError([0x01, 0x03, 0x00, 0xFC, 0xFF, 0x61, 0x62]) == .unexpectedEndOfInput)
        // Half of a real zlib stream.
        let stream = try PNGTestSupport.fixture("png/zlib/data70000_level9.zlib")
        #expect(inflateError(Array(stream.prefix(stream.count / 2)), zlib: true, limit: 70000) == .unexpectedEndOfInput)
        // The whole deflate data without the Adler-32 trailer.
        #expect(inflateError(Array(stream.dropLast(4)), zlib: true, limit: 70000) == .unexpectedEndOfInput)
    }

    @Test func invalidBlockType() {
        #expect(inflateError([0x07]) == .invalidBlockType(3))
    }

    @Test func distanceTooFarBack() {
        // Fixed block: literal 'a' (code 0x30 + 0x61, 8 bits), then length 3 (symbol 257, 7-bit code 1)
        // at distance 2 (distance symbol 1, 5-bit code 1): only one byte exists.
        var s = BitStream()
        s.write(1, bits: 1)
        s.write(1, bits: 2)
        s.writeCode(0x30 + 0x61, length: 8)
        s.writeCode(1, length: 7)
        s.writeCode(1, length: 5)
        s.writeCode(0, length: 7)
        #expect(inflateError(s.bytes) == .distanceTooFarBack(distance: 2, available: 1))
    }

    @Test func invalidFixedSymbols() {
        // Literal/length symbol 286 (fixed 8-bit code 0xC0 + 6) and distance symbol 30 are never valid.
        var s = BitStream()
        s.write(1, bits: 1)
        s.write(1, bits: 2)
        s.writeCode(0xC0 + 6, length: 8)
        #expect(inflateError(s.bytes) == .invalidSymbol(286, .literalLength))

        var t = BitStream()
        t.write(1, bits: 1)
        t.write(1, bits: 2)
        t.writeCode(0x30 + 0x61, length: 8)
        t.writeCode(1, length: 7)
        t.writeCode(30, length: 5)
        #expect(inflateError(t.bytes) == .invalidSymbol(30, .distance))
    }

    @Test func dynamicBlockDecodes() throws {
        // Literal/length code: 'a' and 'b' and end-of-block, lengths 1, 2, 2; one distance code.
        var lengths = [Int](repeating: 0, count: 257)
        lengths[0x61] = 1
        lengths[0x62] = 2
        lengths[256] = 2
        var s = BitStream()
        s.dynamicHeader(literalCount: 257, distanceCount: 1, lengths: lengths + [1])
        // Canonical codes: 'a' = 0, 'b' = 10, end = 11.
        s.writeCode(0, length: 1)
        s.writeCode(2, length: 2)
        s.writeCode(0, length: 1)
        s.writeCode(3, length: 2)
        #expect(try Inflate.decompress(s.bytes, limit: 10).bytes == Array("aba".utf8))
    }

    @Test func incompleteAndOversubscribedCodes() {
        var incomplete = [Int](repeating: 0, count: 257)
        incomplete[0x61] = 2
        incomplete[256] = 2  // two codes of length 2 leave half the code space unused
        var s = BitStream()
        s.dynamicHeader(literalCount: 257, distanceCount: 1, lengths: incomplete + [1])
        #expect(inflateError(s.bytes) == .incompleteCode(.literalLength))

        var over = [Int](repeating: 0, count: 257)
        over[0x61] = 1
        over[0x62] = 1
        over[256] = 1
        var t = BitStream()
        t.dynamicHeader(literalCount: 257, distanceCount: 1, lengths: over + [1])
        #expect(inflateError(t.bytes) == .oversubscribedCode(.literalLength))

        // Distance code with two codes of length 2 only: incomplete.
        var literal = [Int](repeating: 0, count: 257)
        literal[0x61] = 1
        literal[256] = 1
        var u = BitStream()
        u.dynamicHeader(literalCount: 257, distanceCount: 2, lengths: literal + [2, 2])
        #expect(inflateError(u.bytes) == .incompleteCode(.distance))
    }

    @Test func missingEndOfBlockCode() {
        var lengths = [Int](repeating: 0, count: 257)
        lengths[0x61] = 1
        lengths[0x62] = 1
        var s = BitStream()
        s.dynamicHeader(literalCount: 257, distanceCount: 1, lengths: lengths + [1])
        #expect(inflateError(s.bytes) == .missingEndOfBlockCode)
    }

    @Test func codeLengthRepeatErrors() {
        // Four code-length code lengths are sent, for symbols 16, 17, 18 and 0 in that order. Two of them get
        // one bit each; canonically the smaller symbol takes code 0 and the larger code 1.
        func header(codeLengthLengths: [Int]) -> BitStream {
            var s = BitStream()
            s.write(1, bits: 1)
            s.write(2, bits: 2)
            s.write(0, bits: 5)  // 257 literal/length codes
            s.write(0, bits: 5)  // 1 distance code
            s.write(0, bits: 4)  // 4 code-length code lengths
            for length in codeLengthLengths { s.write(length, bits: 3) }
            return s
        }
        // Symbols 16 and 0: the first length is a repeat (16, code 1) with nothing before it.
        var s = header(codeLengthLengths: [1, 0, 0, 1])
        s.writeCode(1, length: 1)
        s.write(0, bits: 2)
        #expect(inflateError(s.bytes) == .repeatWithoutPreviousLength)

        // Symbols 18 and 0: two runs of 138 zeros overrun the 258 lengths declared.
        var t = header(codeLengthLengths: [0, 0, 1, 1])
        t.writeCode(1, length: 1)
        t.write(127, bits: 7)
        t.writeCode(1, length: 1)
        t.write(127, bits: 7)
        #expect(inflateError(t.bytes) == .codeLengthsOverflow)
    }

    @Test func tooManyCodes() {
        var s = BitStream()
        s.write(1, bits: 1)
        s.write(2, bits: 2)
        s.write(30, bits: 5)  // 287 literal/length codes
        s.write(0, bits: 5)
        s.write(0, bits: 4)
        #expect(inflateError(s.bytes) == .tooManyCodes(literalLength: 287, distance: 1))
    }

    @Test func zlibHeaderChecks() throws {
        let stream = try PNGTestSupport.fixture("png/zlib/data1_level9.zlib")
        #expect(inflateError([0x77, 0x9C] + stream.dropFirst(2), zlib: true) == .unsupportedCompressionMethod(7))
        #expect(inflateError([0x88, 0x1C] + stream.dropFirst(2), zlib: true) == .invalidWindowSize(8))
        #expect(inflateError([0x78, 0x9D] + stream.dropFirst(2), zlib: true) == .headerCheckFailed)
        // FDICT set (0x78 0xBB passes the check bits).
        #expect(inflateError([0x78, 0xBB] + stream.dropFirst(2), zlib: true) == .presetDictionaryNotSupported)
    }

    @Test func adlerMismatch() throws {
        var stream = try PNGTestSupport.fixture("png/zlib/data70000_level1.zlib")
        stream[stream.count - 1] ^= 0x01
        let error = inflateError(stream, zlib: true, limit: 70000)
        guard case .adler32Mismatch(let stored, let computed) = error else {
            Issue.record("expected an Adler-32 mismatch, got \(String(describing: error))")
            return
        }
        #expect(stored ^ computed == 1)
    }

    @Test func checksumsMatchKnownValues() {
        let text = Array("The quick brown fox jumps over the lazy dog".utf8)
        #expect(CRC32.checksum(text) == 0x414F_A339)
        #expect(CRC32.checksum(Array(text[10...]), continuing: CRC32.checksum(Array(text[..<10]))) == 0x414F_A339)
        #expect(Adler32.checksum(text) == 0x5BDC_0FDA)
        #expect(CRC32.checksum([]) == 0)
        #expect(Adler32.checksum([]) == 1)
    }
}
