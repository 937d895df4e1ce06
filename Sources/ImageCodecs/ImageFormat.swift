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
            // ISO base media file: the major brand at 8, compatible brands from 16 to the end of the box.
            // Generic brands (mif1, msf1) are shared by HEIC and AVIF, so AVIF wins if listed anywhere.
            let boxEnd = min(bytes.count, max(16, Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])))
            let brandOffsets = [8] + Array(stride(from: 16, to: boxEnd - 3, by: 4))
            let brands = Set(brandOffsets.filter { $0 + 4 <= bytes.count }.map { String(decoding: bytes[$0..<$0 + 4], as: UTF8.self) })
            if !brands.isDisjoint(with: ["avif", "avis"]) { return .avif }
            if !brands.isDisjoint(with: ["heic", "heix", "heis", "heim", "hevc", "hevx", "mif1", "msf1"]) { return .heic }
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
