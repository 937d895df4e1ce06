/// The deflate encoder: round trips through our inflate for awkward inputs, real compression (not
/// stored-only), and the length-limited Huffman code builder.
import Testing
@testable import ImageCodecs

@Suite("Deflate")
struct DeflateTests {
    static let inputs: [(name: String, bytes: [UInt8])] = [
        ("empty", []),
        ("one byte", [0x42]),
        ("two bytes", [0, 0]),
        ("random 100 KiB", PNGTestSupport.randomBytes(100_000, seed: 1)),
        ("one value 200 KiB", [UInt8](repeating: 7, count: 200_000)),
        ("period 3, 70 KiB", (0..<70_000).map { UInt8($0 % 3) }),
        ("text-like", (0..<50_000).map { UInt8(97 + ($0 * 7 + $0 / 13) % 23) }),
        ("mixed random and runs", (0..<5).flatMap { block in
            block % 2 == 0 ? PNGTestSupport.randomBytes(9000, seed: UInt64(block)) : [UInt8](repeating: UInt8(block), count: 9000)
        }),
    ]

    @Test("zlib round trip", arguments: inputs)
    func roundTrip(name: String, bytes: [UInt8]) throws {
        let compressed = Deflate.zlibCompress(bytes)
        #expect(try Inflate.zlibDecompress(compressed, limit: bytes.count) == bytes)
        // Random data must not grow by more than the stored-block overhead.
        #expect(compressed.count <= bytes.count + 5 * (bytes.count / 65535 + 1) + 6)
    }

    @Test func compressesRedundantData() {
        // Stored-only output would be larger than the input; real LZ77 + Huffman makes these tiny.
        #expect(Deflate.compress([UInt8](repeating: 7, count: 200_000)).count < 500)
        let periodic = (0..<70_000).map { UInt8($0 % 3) }
        #expect(Deflate.compress(periodic).count < 300)
        let text = (0..<50_000).map { UInt8(97 + ($0 * 7 + $0 / 13) % 23) }
        #expect(Deflate.compress(text).count < text.count / 4)
    }

    @Test func codeLengthsRespectTheLimit() {
        // Fibonacci frequencies make an unlimited Huffman code 30 levels deep.
        var frequencies = [1, 1]
        while frequencies.count < 30 { frequencies.append(frequencies[frequencies.count - 1] + frequencies[frequencies.count - 2]) }
        let lengths = Deflate.HuffmanCodeBuilder.codeLengths(frequencies: frequencies, limit: 15)
        #expect(lengths.allSatisfy { (1...15).contains($0) })
        // Kraft sum exactly 1: a complete prefix code.
        #expect(lengths.reduce(0) { $0 + (1 << (15 - Int($1))) } == 1 << 15)
        // More frequent symbols never get longer codes.
        for i in 1..<lengths.count { #expect(lengths[i] <= lengths[i - 1]) }
    }

    @Test func singleSymbolGetsAPartner() {
        #expect(Deflate.HuffmanCodeBuilder.codeLengths(frequencies: [0, 0, 5], limit: 15) == [1, 0, 1])
        #expect(Deflate.HuffmanCodeBuilder.codeLengths(frequencies: [0, 0, 0], limit: 15) == [1, 1, 0])
    }

    @Test func canonicalCodesAreBitReversed() {
        // RFC 1951 §3.2.2 example: lengths (3, 3, 3, 3, 3, 2, 4, 4) give codes 010, 011, 100, 101, 110, 00,
        // 1110, 1111; written reversed for LSB-first output.
        let codes = Deflate.HuffmanCodeBuilder.reversedCodes(lengths: [3, 3, 3, 3, 3, 2, 4, 4])
        #expect(codes == [0b010, 0b110, 0b001, 0b101, 0b011, 0b00, 0b0111, 0b1111])
    }
}
