/// Why a zlib or deflate stream could not be decompressed.
public enum InflateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Huffman code a problem was found in.
    public enum Code: String, Sendable {
        case codeLength = "code-length code"
        case literalLength = "literal/length code"
        case distance = "distance code"
    }

    case unexpectedEndOfInput
    case invalidBlockType(Int)
    case storedLengthMismatch(length: UInt16, complement: UInt16)
    case tooManyCodes(literalLength: Int, distance: Int)
    case oversubscribedCode(Code)
    case incompleteCode(Code)
    case repeatWithoutPreviousLength
    case codeLengthsOverflow
    case missingEndOfBlockCode
    case invalidSymbol(Int, Code)
    case invalidCode(Code)
    case distanceTooFarBack(distance: Int, available: Int)
    case outputLimitExceeded(limit: Int)
    case unsupportedCompressionMethod(Int)
    case invalidWindowSize(Int)
    case headerCheckFailed
    case presetDictionaryNotSupported
    case adler32Mismatch(stored: UInt32, computed: UInt32)

    public var description: String {
        switch self {
        case .unexpectedEndOfInput:
            return "deflate: the compressed data ends early"
        case .invalidBlockType(let type):
            return "deflate: invalid block type \(type)"
        case .storedLengthMismatch(let length, let complement):
            return "deflate: stored block length \(length) does not match its complement \(complement)"
        case .tooManyCodes(let literalLength, let distance):
            return "deflate: dynamic block declares \(literalLength) literal/length and \(distance) distance codes (at most 286 and 30)"
        case .oversubscribedCode(let code):
            return "deflate: over-subscribed \(code.rawValue) (more codes than the lengths allow)"
        case .incompleteCode(let code):
            return "deflate: incomplete \(code.rawValue)"
        case .repeatWithoutPreviousLength:
            return "deflate: code length repeat (16) with no previous length"
        case .codeLengthsOverflow:
            return "deflate: code length repeat runs past the declared number of codes"
        case .missingEndOfBlockCode:
            return "deflate: dynamic block has no end-of-block code"
        case .invalidSymbol(let symbol, let code):
            return "deflate: invalid symbol \(symbol) in the \(code.rawValue)"
        case .invalidCode(let code):
            return "deflate: bits that match no \(code.rawValue)"
        case .distanceTooFarBack(let distance, let available):
            return "deflate: back reference \(distance) bytes back with only \(available) bytes written"
        case .outputLimitExceeded(let limit):
            return "deflate: decompressed data exceeds the limit of \(limit) bytes"
        case .unsupportedCompressionMethod(let method):
            return "zlib: compression method \(method) (only 8, deflate, exists)"
        case .invalidWindowSize(let info):
            return "zlib: window size field \(info) (at most 7, a 32 KiB window)"
        case .headerCheckFailed:
            return "zlib: header check bits are wrong"
        case .presetDictionaryNotSupported:
            return "zlib: stream needs a preset dictionary"
        case .adler32Mismatch(let stored, let computed):
            return "zlib: Adler-32 mismatch (stored \(hex(stored)), computed \(hex(computed))): the data is corrupt"
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
