/// Why a PNG file could not be decoded; each case names the stage (signature, chunks, header, image data).
extension PNG {
    public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidSignature
        case truncatedChunk(type: String, offset: Int)
        case invalidChunkLength(type: String, length: UInt32)
        case invalidChunkType(offset: Int)
        case badChecksum(chunk: String, stored: UInt32, computed: UInt32)
        case missingHeader(firstChunk: String)
        case invalidHeaderLength(Int)
        case invalidSize(width: UInt32, height: UInt32)
        case imageTooLarge(width: Int, height: Int, limit: Int)
        case invalidColourType(Int)
        case invalidBitDepth(Int, colourType: Int)
        case invalidCompressionMethod(Int)
        case invalidFilterMethod(Int)
        case invalidInterlaceMethod(Int)
        case unknownCriticalChunk(String)
        case invalidPalette(length: Int)
        case missingPalette
        case paletteIndexOutOfRange(index: Int, paletteSize: Int)
        case missingImageData
        case compressedData(InflateError)
        case notEnoughImageData(expected: Int, actual: Int)
        case tooMuchImageData(expected: Int)
        case invalidFilter(type: Int, row: Int)

        public var description: String {
            switch self {
            case .invalidSignature:
                return "PNG: bad signature (not a PNG file, or damaged by a text-mode transfer)"
            case .truncatedChunk(let type, let offset):
                return "PNG: the file ends inside the \(type) chunk at byte \(offset)"
            case .invalidChunkLength(let type, let length):
                return "PNG: chunk \(type) declares length \(length) (at most 2^31 - 1)"
            case .invalidChunkType(let offset):
                return "PNG: chunk at byte \(offset) has a type that is not four letters"
            case .badChecksum(let chunk, let stored, let computed):
                return "PNG: CRC mismatch in the \(chunk) chunk (stored \(stored), computed \(computed))"
            case .missingHeader(let firstChunk):
                return "PNG: the first chunk is \(firstChunk), not IHDR"
            case .invalidHeaderLength(let length):
                return "PNG: IHDR has \(length) bytes instead of 13"
            case .invalidSize(let width, let height):
                return "PNG: invalid size \(width)x\(height)"
            case .imageTooLarge(let width, let height, let limit):
                return "PNG: \(width)x\(height) exceeds the limit of \(limit) pixels"
            case .invalidColourType(let type):
                return "PNG: invalid colour type \(type)"
            case .invalidBitDepth(let depth, let colourType):
                return "PNG: bit depth \(depth) is not allowed for colour type \(colourType)"
            case .invalidCompressionMethod(let method):
                return "PNG: unknown compression method \(method)"
            case .invalidFilterMethod(let method):
                return "PNG: unknown filter method \(method)"
            case .invalidInterlaceMethod(let method):
                return "PNG: unknown interlace method \(method)"
            case .unknownCriticalChunk(let type):
                return "PNG: unknown critical chunk \(type)"
            case .invalidPalette(let length):
                return "PNG: PLTE chunk of \(length) bytes (a multiple of 3, 3 to 768)"
            case .missingPalette:
                return "PNG: palette image without a PLTE chunk"
            case .paletteIndexOutOfRange(let index, let paletteSize):
                return "PNG: palette index \(index) with only \(paletteSize) palette entries"
            case .missingImageData:
                return "PNG: no IDAT chunk"
            case .compressedData(let error):
                return "PNG: image data: \(error)"
            case .notEnoughImageData(let expected, let actual):
                return "PNG: image data holds \(actual) bytes, the header needs \(expected)"
            case .tooMuchImageData(let expected):
                return "PNG: image data is longer than the \(expected) bytes the header allows"
            case .invalidFilter(let type, let row):
                return "PNG: invalid filter type \(type) on row \(row)"
            }
        }
    }
}
