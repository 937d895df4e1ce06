/// The PNG codec on the committed fixtures (every colour type and depth, Adam7, tRNS, split IDAT, stored
/// deflate), encode → decode round trips, and one specific error per kind of corrupt file.
import Foundation
import Testing
@testable import ImageCodecs

/// Rebuilds a PNG from chunks, optionally altered: (type, data), with CRCs recomputed unless told not to.
private func makePNG(_ chunks: [(String, [UInt8])], corruptCRCOf corrupted: String? = nil) -> [UInt8] {
    var out = PNG.signature
    for (type, data) in chunks {
        let typeBytes = Array(type.utf8)
        let length = UInt32(data.count)
        out += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        out += typeBytes + data
        var crc = CRC32.checksum(typeBytes + data)
        if type == corrupted { crc ^= 0xFFFF }
        out += [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }
    return out
}

/// The chunks of a valid PNG, in order.
private func chunks(of png: [UInt8]) -> [(String, [UInt8])] {
    var result: [(String, [UInt8])] = []
    var offset = 8
    while offset + 12 <= png.count {
        let length = Int(png[offset]) << 24 | Int(png[offset + 1]) << 16 | Int(png[offset + 2]) << 8 | Int(png[offset + 3])
        result.append((String(decoding: png[offset + 4..<offset + 8], as: UTF8.self), Array(png[offset + 8..<offset + 8 + length])))
        offset += 12 + length
    }
    return result
}

private func header(width: UInt32, height: UInt32, depth: UInt8, colourType: UInt8, interlace: UInt8 = 0) -> (String, [UInt8]) {
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    return ("IHDR", be(width) + be(height) + [depth, colourType, 0, 0, interlace])
}

private func pngError(_ bytes: [UInt8]) -> PNG.DecodingError? {
    do {
        _ = try PNG.decode(bytes)
        return nil
    } catch {
        return error
    }
}

@Suite("PNG")
struct PNGTests {
    @Test("committed fixtures decode exactly", arguments: PNGTestSupport.imageFixtures(under: "png"))
    func fixture(_ fixture: PNGTestSupport.ImageFixture) throws {
        let bytes = try PNGTestSupport.fixture(fixture.path)
        let reference = try PNGTestSupport.readNetpbm(PNGTestSupport.fixtures.appendingPathComponent(fixture.expected))
        let image = try PNG.decode(bytes)
        #expect(image.width == fixture.width && image.height == fixture.height && image.channels == fixture.channels)
        let expected8 = reference.maxval == 255 ? reference.samples : reference.samples.map(PNGTestSupport.rounded8)
        #expect(image.pixels.map(Int.init) == expected8)

        let wide = try PNG.decode16(bytes)
        let expected16 = reference.maxval == 255 ? reference.samples.map { $0 * 257 } : reference.samples
        #expect(wide.samples.map(Int.init) == expected16)
    }

    @Test("encode → decode round trip", arguments: [(1, 1, 1), (2, 33, 17), (3, 64, 48), (4, 5, 300), (3, 1000, 3)])
    func roundTrip(channels: Int, width: Int, height: Int) throws {
        // Smooth gradients with noise, so every filter type has a chance to win.
        let noise = PNGTestSupport.randomBytes(width * height * channels, seed: UInt64(channels))
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let i = (y * width + x) * channels + c
                    pixels[i] = UInt8(truncatingIfNeeded: x * 3 + y * 2 + c * 40 + Int(noise[i] % 8))
                }
            }
        }
        let image = Image(width: width, height: height, channels: channels, pixels: pixels)
        let encoded = PNG.encode(image)
        #expect(try PNG.decode(encoded) == image)
        #expect(try decodeImage(encoded) == image)
    }

    @Test func encoderUsesFiltersAndCompression() throws {
        // A horizontal gradient: Sub filtering turns every row into constants, which deflate squeezes.
        let width = 256, height = 64
        let pixels = (0..<width * height).map { UInt8($0 % width) }
        let encoded = PNG.encode(Image(width: width, height: height, channels: 1, pixels: pixels))
        #expect(encoded.count < 400)
        // Row 0 is best as Sub (all ones), the rest as Up (all zeros).
        let idat = chunks(of: encoded).filter { $0.0 == "IDAT" }.flatMap { $0.1 }
        let raw = try Inflate.zlibDecompress(idat, limit: (width + 1) * height)
        #expect(raw[0] == PNG.Filter.sub.rawValue)
        #expect((1..<height).allSatisfy { raw[$0 * (width + 1)] == PNG.Filter.up.rawValue })
        #expect(try PNG.decode(encoded).pixels == pixels)
    }

    @Test("every filter inverts exactly (SIMD Paeth included)", arguments: [1, 2, 3, 4, 6, 8])
    func filtersInvert(bytesPerPixel: Int) {
        let count = 97 * bytesPerPixel
        let row = PNGTestSupport.randomBytes(count, seed: UInt64(bytesPerPixel))
        // Mostly smooth rows with some noise, so every Paeth branch (a, b, c) and tie gets taken.
        let above = row.enumerated().map { UInt8(truncatingIfNeeded: Int($1) / 4 + $0 % 7 * 30) }
        for filter in PNG.Filter.allCases {
            var filtered = [UInt8](repeating: 0, count: count)
            var restored = [UInt8](repeating: 0, count: count)
            filter.apply(row: row, above: above, count: count, bytesPerPixel: bytesPerPixel, into: &filtered)
            let known = PNG.Filter.unfilter(
                type: filter.rawValue, source: filtered, destination: &restored, above: above, count: count,
                bytesPerPixel: bytesPerPixel)
            #expect(known && restored == row, "filter \(filter)")
        }
    }

    @Test func sixteenBitRoundsToNearest() throws {
        // One 16-bit grey row: 0, 127, 128, 32896 (= 128.5 * 256), 65535.
        let samples: [UInt16] = [0, 127, 128, 32896, 65535]
        let row: [UInt8] = [0] + samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let png = makePNG([header(width: 5, height: 1, depth: 16, colourType: 0), ("IDAT", Deflate.zlibCompress(row)), ("IEND", [])])
        #expect(try PNG.decode(png).pixels == [0, 0, 0, 128, 255])
        #expect(try PNG.decode16(png).samples == samples)
    }

    // MARK: - Errors

    static let valid: [UInt8] = PNG.encode(Image(width: 8, height: 4, channels: 3, pixels: (0..<96).map { UInt8($0 * 5 % 256) }))

    @Test func badSignature() {
        var bytes = Self.valid
        bytes[1] = 0x51
        #expect(pngError(bytes) == .invalidSignature)
        #expect(pngError(Array(Self.valid.prefix(5))) == .invalidSignature)
    }

    @Test func criticalChunkCRC() {
        let error = pngError(makePNG(chunks(of: Self.valid), corruptCRCOf: "IDAT"))
        guard case .badChecksum(let chunk, _, _) = error else {
            Issue.record("expected a CRC error, got \(String(describing: error))")
            return
        }
        #expect(chunk == "IDAT")
    }

    @Test func ancillaryChunkWithBadCRCIsDropped() throws {
        var parts = chunks(of: Self.valid)
        parts.insert(("tEXt", Array("Comment\0hello".utf8)), at: 1)
        let decoded = try PNG.decode(makePNG(parts, corruptCRCOf: "tEXt"))
        #expect(decoded == (try PNG.decode(Self.valid)))
    }

    @Test func truncatedFile() {
        let error = pngError(Array(Self.valid.prefix(Self.valid.count - 20)))
        #expect(error == .truncatedChunk(type: "IDAT", offset: 33))
    }

    @Test func missingIENDIsAccepted() throws {
        let parts = chunks(of: Self.valid).filter { $0.0 != "IEND" }
        #expect(try PNG.decode(makePNG(parts)) == (try PNG.decode(Self.valid)))
    }

    @Test func headerValidation() {
        let idat = ("IDAT", Deflate.zlibCompress([0, 0]))
        func decodeHeader(_ ihdr: (String, [UInt8])) -> PNG.DecodingError? { pngError(makePNG([ihdr, idat, ("IEND", [])])) }
        #expect(decodeHeader(header(width: 0, height: 1, depth: 8, colourType: 0)) == .invalidSize(width: 0, height: 1))
        #expect(decodeHeader(header(width: 1, height: 1, depth: 8, colourType: 1)) == .invalidColourType(1))
        #expect(decodeHeader(header(width: 1, height: 1, depth: 16, colourType: 3)) == .invalidBitDepth(16, colourType: 3))
        #expect(decodeHeader(header(width: 1, height: 1, depth: 4, colourType: 2)) == .invalidBitDepth(4, colourType: 2))
        #expect(decodeHeader(header(width: 1, height: 1, depth: 8, colourType: 0, interlace: 2)) == .invalidInterlaceMethod(2))
        #expect(decodeHeader(("IHDR", [0, 0, 0, 1])) == .invalidHeaderLength(4))
        // 100000 x 100000 is rejected from the header alone, before anything is allocated.
        #expect(decodeHeader(header(width: 100_000, height: 100_000, depth: 8, colourType: 6))
            == .imageTooLarge(width: 100_000, height: 100_000, limit: Image.maximumPixelCount))
        #expect(pngError(makePNG([idat])) == .missingHeader(firstChunk: "IDAT"))
        #expect(pngError(makePNG([header(width: 1, height: 1, depth: 8, colourType: 0), ("IEND", [])])) == .missingImageData)
        #expect(pngError(makePNG([header(width: 1, height: 1, depth: 8, colourType: 0), ("ABCD", []), idat]))
            == .unknownCriticalChunk("ABCD"))
    }

    @Test func imageDataSizeMustMatchTheHeader() {
        let ihdr = header(width: 4, height: 2, depth: 8, colourType: 0)
        // 2 rows of 1 + 4 bytes are needed.
        #expect(pngError(makePNG([ihdr, ("IDAT", Deflate.zlibCompress([UInt8](repeating: 0, count: 7))), ("IEND", [])]))
            == .notEnoughImageData(expected: 10, actual: 7))
        // A zip bomb: 1 MiB of zeros for a 4x2 image stops at the header's size.
        #expect(pngError(makePNG([ihdr, ("IDAT", Deflate.zlibCompress([UInt8](repeating: 0, count: 1 << 20))), ("IEND", [])]))
            == .tooMuchImageData(expected: 10))
        let bad: [UInt8] = [0, 1, 2, 3, 4, 5, 9, 9, 9, 9]
        #expect(pngError(makePNG([ihdr, ("IDAT", Deflate.zlibCompress(bad)), ("IEND", [])])) == .invalidFilter(type: 5, row: 1))
        // Corrupt zlib data inside a chunk with a correct CRC.
        #expect(pngError(makePNG([ihdr, ("IDAT", [0x78, 0x9C, 0xFF, 0xFF]), ("IEND", [])]))
            == .compressedData(.invalidBlockType(3)))
    }

    @Test func paletteErrors() {
        let ihdr = header(width: 2, height: 1, depth: 8, colourType: 3)
        let idat = ("IDAT", Deflate.zlibCompress([0, 0, 2]))
        #expect(pngError(makePNG([ihdr, idat, ("IEND", [])])) == .missingPalette)
        #expect(pngError(makePNG([ihdr, ("PLTE", [1, 2, 3, 4]), idat, ("IEND", [])])) == .invalidPalette(length: 4))
        #expect(pngError(makePNG([ihdr, ("PLTE", [1, 2, 3, 4, 5, 6]), idat, ("IEND", [])]))
            == .paletteIndexOutOfRange(index: 2, paletteSize: 2))
    }

    @Test func errorsDescribeTheProblem() {
        #expect(PNG.DecodingError.invalidFilter(type: 7, row: 5).description == "PNG: invalid filter type 7 on row 5")
        #expect(PNG.DecodingError.compressedData(.adler32Mismatch(stored: 1, computed: 2)).description
            == "PNG: image data: zlib: Adler-32 mismatch (stored 0x00000001, computed 0x00000002): the data is corrupt")
    }
}
