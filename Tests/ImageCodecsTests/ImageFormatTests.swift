/// Format sniffing and `decodeImage` dispatch: every known signature is named, unsupported formats fail
/// with a message naming them, and PNG/BMP/GIF bytes reach their decoders.
import Testing
@testable import ImageCodecs

@Suite("Image format detection")
struct ImageFormatTests {
    static let signatures: [(String, [UInt8], ImageFormat)] = [
        ("JPEG", [0xFF, 0xD8, 0xFF, 0xE0], .jpeg),
        ("PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], .png),
        ("GIF87a", Array("GIF87a".utf8), .gif),
        ("GIF89a", Array("GIF89a".utf8), .gif),
        ("BMP", Array("BM".utf8) + [UInt8](repeating: 0, count: 30), .bmp),
        ("WebP", Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8), .webp),
        ("HEIC", [0, 0, 0, 0x18] + Array("ftypheic".utf8), .heic),
        ("AVIF", [0, 0, 0, 0x1C] + Array("ftypavif".utf8), .avif),
        ("AVIF with a generic major brand", [0, 0, 0, 0x18] + Array("ftypmif1\0\0\0\0mif1avif".utf8), .avif),
        ("HEIC with a generic major brand", [0, 0, 0, 0x18] + Array("ftypmif1\0\0\0\0mif1heic".utf8), .heic),
        ("TIFF little-endian", [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0], .tiff),
        ("TIFF big-endian", [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8], .tiff),
        ("SVG", Array("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">".utf8), .svg),
        ("PDF", Array("%PDF-1.7".utf8), .pdf),
        ("ICO", [0, 0, 1, 0, 1, 0, 16, 16], .ico),
        ("JPEG 2000", [0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A], .jpeg2000),
        ("JPEG XL", [0xFF, 0x0A, 0xFA], .jpegXL),
        ("PSD", Array("8BPS".utf8) + [0, 1], .psd),
        ("PPM", Array("P6\n2 2\n255\n".utf8), .netpbm),
    ]

    @Test("signatures", arguments: signatures.map { ($0.0, $0.1, $0.2) })
    func detects(name: String, bytes: [UInt8], format: ImageFormat) {
        #expect(ImageFormat.detect(bytes) == format, "\(name)")
    }

    @Test func unsupportedFormatsAreNamed() {
        let webp = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8)
        #expect(throws: ImageDecodingError.unsupportedFormat(.webp)) { try decodeImage(webp) }
        #expect(ImageDecodingError.unsupportedFormat(.webp).description == "it is a WebP image; supported: JPEG, PNG, BMP, GIF")
        #expect(throws: ImageDecodingError.empty) { try decodeImage([]) }
        let text = Array("hello, world".utf8)
        #expect(throws: ImageDecodingError.unrecognised(firstBytes: Array(text.prefix(8)))) { try decodeImage(text) }
        #expect(ImageDecodingError.unrecognised(firstBytes: [0x68, 0x65]).description
            == "it is not an image in a known format (starts with 68 65); supported: JPEG, PNG, BMP, GIF")
    }

    @Test func decodersAreReachedBySignature() throws {
        let image = Image(width: 3, height: 2, channels: 3, pixels: (0..<18).map { UInt8($0 * 13) })
        #expect(try decodeImage(PNG.encode(image)) == image)
        #expect(try decodeImage(try PNGTestSupport.fixture("gif/plain.gif")).width == 53)
        #expect(try decodeImage(try PNGTestSupport.fixture("bmp/rgb24.bmp")).height == 37)
        // Errors of a format decoder come through unchanged.
        #expect(throws: PNG.DecodingError.self) { try decodeImage(PNG.signature + [0, 0, 0]) }
    }
}
