/// The GIF decoder on the committed fixtures (interlaced, non-interlaced, an offset frame with a local
/// table and a transparent index) against Pillow's decode, LZW corner cases, and specific errors.
import Testing
@testable import ImageCodecs

private func gifError(_ bytes: [UInt8]) -> GIF.DecodingError? {
    do {
        _ = try GIF.decode(bytes)
        return nil
    } catch {
        return error
    }
}

/// LZW codes packed least-significant bit first with the given widths.
private func packCodes(_ codes: [(Int, Int)]) -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = 0
    var count = 0
    for (code, width) in codes {
        buffer |= code << count
        count += width
        while count >= 8 {
            bytes.append(UInt8(buffer & 0xFF))
            buffer >>= 8
            count -= 8
        }
    }
    if count > 0 { bytes.append(UInt8(buffer)) }
    return bytes
}

@Suite("GIF")
struct GIFTests {
    @Test("committed fixtures match Pillow", arguments: PNGTestSupport.imageFixtures(under: "gif"))
    func fixture(_ fixture: PNGTestSupport.ImageFixture) throws {
        let image = try GIF.decode(try PNGTestSupport.fixture(fixture.path))
        let reference = try PNGTestSupport.readNetpbm(PNGTestSupport.fixtures.appendingPathComponent(fixture.expected))
        #expect(image.width == reference.width && image.height == reference.height && image.channels == reference.channels)
        #expect(image.pixels.map(Int.init) == reference.samples)
    }

    @Test func lzwWithTheNotYetDefinedCode() throws {
        // Minimum code size 2: clear = 4, end = 5. Codes 1, 6 (= "1 1", defined by this very use), 6, end:
        // output 1 | 1 1 | 1 1 → five 1s.
        let data = packCodes([(4, 3), (1, 3), (6, 3), (6, 3), (5, 3)])
        #expect(try GIF.decompress(data, minimumCodeSize: 2, pixelCount: 5) == [1, 1, 1, 1, 1])
    }

    @Test func lzwErrors() {
        // Code 7 when only 6 could be next.
        #expect(throws: GIF.DecodingError.invalidCode(7)) {
            try GIF.decompress(packCodes([(4, 3), (1, 3), (7, 3)]), minimumCodeSize: 2, pixelCount: 4)
        }
        #expect(throws: GIF.DecodingError.missingImageData(decodedPixels: 1, needed: 4)) {
            try GIF.decompress(packCodes([(4, 3), (1, 3), (5, 3)]), minimumCodeSize: 2, pixelCount: 4)
        }
        #expect(throws: GIF.DecodingError.invalidCodeSize(12)) {
            try GIF.decompress([], minimumCodeSize: 12, pixelCount: 1)
        }
    }

    @Test func errors() throws {
        #expect(gifError(Array("GIF88a".utf8) + [UInt8](repeating: 0, count: 20)) == .invalidSignature)
        #expect(gifError(Array("GIF89a".utf8) + [1, 0]) == .truncated(stage: "logical screen descriptor"))
        #expect(gifError(Array("GIF89a".utf8) + [0, 0, 1, 0, 0, 0, 0]) == .invalidSize(width: 0, height: 1))
        #expect(gifError(Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0, 0x3B]) == .noImage)
        #expect(gifError(Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0, 0x99]) == .unknownBlock(0x99, offset: 13))
        let valid = try PNGTestSupport.fixture("gif/plain.gif")
        #expect(gifError(Array(valid.prefix(valid.count / 2))) != nil)
    }
}
