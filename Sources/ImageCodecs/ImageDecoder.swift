/// Why a file could not be turned into pixels, before any format-specific decoder ran.
public enum ImageDecodingError: Error, Equatable, CustomStringConvertible {
    case empty
    case unsupportedFormat(ImageFormat)
    case unrecognised(firstBytes: [UInt8])

    public var description: String {
        let supported = ImageFormat.decodable.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .empty:
            return "the file is empty"
        case .unsupportedFormat(let format):
            return "it is a \(format.rawValue) image; supported: \(supported)"
        case .unrecognised(let firstBytes):
            let hex = firstBytes.prefix(8).map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }
            return "it is not an image in a known format (starts with \(hex.joined(separator: " "))); supported: \(supported)"
        }
    }
}

/// Decodes JPEG, PNG, BMP or GIF bytes, chosen by signature. Other formats fail with a message that
/// names them. Errors of the format decoders are passed through unchanged (they name the stage).
public func decodeImage(_ bytes: [UInt8]) throws -> Image {
    guard !bytes.isEmpty else { throw ImageDecodingError.empty }
    guard let format = ImageFormat.detect(bytes) else {
        throw ImageDecodingError.unrecognised(firstBytes: Array(bytes.prefix(8)))
    }
    switch format {
    case .jpeg: return try JPEG.decode(bytes)
    case .png: return try PNG.decode(bytes)
    case .bmp: return try BMP.decode(bytes)
    case .gif: return try GIF.decode(bytes)
    default: throw ImageDecodingError.unsupportedFormat(format)
    }
}
