/// The BMP decoder on the committed fixtures (24/32-bit, bit fields with alpha, 16-bit 5-6-5, 1/4/8-bit
/// palettes, RLE8, top-down) against Pillow's decode, plus specific errors for broken headers.
import Testing
@testable import ImageCodecs

private func bmpError(_ bytes: [UInt8]) -> BMP.DecodingError? {
    do {
        _ = try BMP.decode(bytes)
        return nil
    } catch {
        return error
    }
}

/// A 40-byte-header BMP: `width` x `height` (negative = top-down), 24-bit unless told otherwise.
private func bmpHeader(width: Int32, height: Int32, bits: UInt16 = 24, compression: UInt32 = 0, dataSize: Int = 0) -> [UInt8] {
    func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    let info = le32(40) + le32(UInt32(bitPattern: width)) + le32(UInt32(bitPattern: height)) + le16(1) + le16(bits)
        + le32(compression) + le32(UInt32(dataSize)) + le32(0) + le32(0) + le32(0) + le32(0)
    return Array("BM".utf8) + le32(UInt32(54 + dataSize)) + le32(0) + le32(54) + info
}

@Suite("BMP")
struct BMPTests {
    @Test("committed fixtures match Pillow", arguments: PNGTestSupport.imageFixtures(under: "bmp"))
    func fixture(_ fixture: PNGTestSupport.ImageFixture) throws {
        let image = try BMP.decode(try PNGTestSupport.fixture(fixture.path))
        let reference = try PNGTestSupport.readNetpbm(PNGTestSupport.fixtures.appendingPathComponent(fixture.expected))
        #expect(image.width == reference.width && image.height == reference.height && image.channels == reference.channels)
        #expect(image.pixels.map(Int.init) == reference.samples)
        #expect(try decodeImage(try PNGTestSupport.fixture(fixture.path)) == image)
    }

    @Test func tinyBottomUpAndTopDown() throws {
        // 2x2, 24-bit: rows padded to 8 bytes. Stored rows: blue, green | red, white.
        let rows: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0]
        let bottomUp = try BMP.decode(bmpHeader(width: 2, height: 2, dataSize: 16) + rows)
        #expect(bottomUp.pixels == [255, 0, 0, 255, 255, 255, 0, 0, 255, 0, 255, 0])
        let topDown = try BMP.decode(bmpHeader(width: 2, height: -2, dataSize: 16) + rows)
        #expect(topDown.pixels == [0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255])
    }

    @Test func errors() {
        #expect(bmpError(Array("BX".utf8) + [UInt8](repeating: 0, count: 60)) == .invalidSignature)
        #expect(bmpError(Array(bmpHeader(width: 2, height: 2).prefix(30))) == .truncatedHeader)
        #expect(bmpError(bmpHeader(width: 0, height: 2)) == .invalidSize(width: 0, height: 2))
        #expect(bmpError(bmpHeader(width: 100_000, height: -100_000))
            == .imageTooLarge(width: 100_000, height: 100_000, limit: Image.maximumPixelCount))
        #expect(bmpError(bmpHeader(width: 2, height: 2, bits: 7)) == .unsupportedBitDepth(7))
        #expect(bmpError(bmpHeader(width: 2, height: 2, compression: 4)) == .unsupportedCompression(4, bitDepth: 24))
        #expect(bmpError(bmpHeader(width: 2, height: 2, dataSize: 16) + [UInt8](repeating: 0, count: 10))
            == .truncatedPixelData(needed: 14, available: 10))
        var header = bmpHeader(width: 2, height: 2)
        header[14] = 20
        #expect(bmpError(header) == .unsupportedHeaderSize(20))
    }

    @Test func runLengthDataThatBreaksOff() {
        // RLE8 header with a 2-entry palette (header size stays 40; palette follows it), then a run cut short.
        var bytes = bmpHeader(width: 4, height: 1, bits: 8, compression: 1)
        bytes += [0, 0, 0, 0, 255, 255, 255, 0]
        bytes[10] = 62  // pixel data after the palette
        bytes[46] = 2  // palette entries
        bytes += [4, 1, 0]
        #expect(bmpError(bytes) == .invalidRunLengthData(offset: 64))
    }
}
