/// The deflate encoder: round trips through our inflate for awkward inputs, real compression (not
/// stored-only), and the length-limited Huffman code builder.
import Testing
@testable import ImageCodecs

@Suite("Deflate")
struct DeflateTests {
    static func periodic(_ count: Int, period: Int) -> [UInt8] {
        (0..<count).map { UInt8($0 % period) }
    }

    static func textLike(_ count: Int) -> [UInt8] {
        (0..<count).map { (i: Int) -> UInt8 in UInt8(97 + (i * 7 + i / 13) % 23) }
    }

    static func randomAndRuns() -> [UInt8] {
        var bytes: [UInt8] = []
        for block in 0..<5 {
            if block % 2 == 0 {
                bytes += PNGTestSupport.randomBytes(9000, seed: UInt64(block))
            } else {
                bytes += [UInt8](repeating: UInt8(block), count: 9000)
            }
        }
        return bytes
    }

    /// Inputs by name (names, not bytes, are the test arguments, so failures print readably).
    static let inputs: [String: [UInt8]] = [
        "empty": [],
        "one byte": [0x42],
        "two bytes": [0, 0],
        "random 100 KiB": PNGTestSupport.randomBytes(100_000, seed: 1),
        "one value 200 KiB": [UInt8](repeating: 7, count: 200_000),
        "period 3, 70 KiB": periodic(70_000, period: 3),
        "text-like": textLike(50_000),
        "mixed random and runs": randomAndRuns(),
    ]

    @Test("zlib round trip", arguments: inputs.keys.sorted())
    func roundTrip(name: String) throws {
        let bytes = try #require(Self.inputs[name])
        let compressed = Deflate.zlibCompress(bytes)
        #expect(try Inflate.zlibDecompress(compressed, limit: bytes.count) == bytes)
        // Incompressible data grows only by block headers: a block holds at least 32768 tokens, and a
        // stored block costs 5 bytes per 65535; plus 6 bytes of zlib wrapper.
        #expect(compressed.count <= bytes.count + 5 * (bytes.count / 32768 + 2) + 6)
    }

    @Test func compressesRedundantData() {
        // Stored-only output would be larger than the input; real LZ77 + Huffman makes these tiny.
        #expect(Deflate.compress([UInt8](repeating: 7, count: 200_000)).count < 500)
        #expect(Deflate.compress(Self.periodic(70_000, period: 3)).count < 300)
        let text = Self.textLike(50_000)
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
