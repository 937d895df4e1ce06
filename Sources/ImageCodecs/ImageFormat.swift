/// Image container formats, recognised by their leading bytes (never by file extension: real data sets
/// hold WebP files named `.jpg`).
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg = "JPEG"
    case png = "PNG"
    case bmp = "BMP"
    case gif = "GIF"
    case webp = "WebP"
    case heic = "HEIC"
    case avif = "AVIF"
    case tiff = "TIFF"
    case svg = "SVG"
    case pdf = "PDF"
    case ico = "ICO"
    case jpeg2000 = "JPEG 2000"
    case jpegXL = "JPEG XL"
    case psd = "Photoshop PSD"
    case netpbm = "Netpbm"

    /// Formats `decodeImage` reads; the others are only recognised so they can be named in errors.
    public static let decodable: [ImageFormat] = [.jpeg, .png, .bmp, .gif]

    public var isDecodable: Bool { Self.decodable.contains(self) }

    /// The format whose signature starts `bytes`, or nil when none matches.
    public static func detect(_ bytes: [UInt8]) -> ImageFormat? {
        func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + signature.count && Array(bytes[offset..<offset + signature.count]) == signature
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }

        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if ascii("GIF87a") || ascii("GIF89a") { return .gif }
        if ascii("BM") && bytes.count >= 26 { return .bmp }
        if ascii("RIFF") && ascii("WEBP", at: 8) { return .webp }
        if ascii("ftyp", at: 4) {
            if ascii("avif", at: 8) || ascii("avis", at: 8) { return .avif }
            if ascii("heic", at: 8) || ascii("heix", at: 8) || ascii("mif1", at: 8) || ascii("msf1", at: 8)
                || ascii("hevc", at: 8) { return .heic }
        }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) { return .jpeg2000 }
        if starts([0xFF, 0x0A]) || starts([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return .jpegXL }
        if ascii("%PDF") { return .pdf }
        if ascii("8BPS") { return .psd }
        if starts([0x00, 0x00, 0x01, 0x00]) { return .ico }
        if bytes.count >= 2 && bytes[0] == UInt8(ascii: "P") && (UInt8(ascii: "1")...UInt8(ascii: "7")).contains(bytes[1]) {
            return .netpbm
        }
        let head = String(decoding: bytes.prefix(512), as: UTF8.self).lowercased()
        if head.contains("<svg") { return .svg }
        return nil
    }
}
