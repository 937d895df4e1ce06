/// Everything that can stop a JPEG decode, grouped by the stage that found it. Each case's description
/// says what was wrong, so the data loader can print it next to the file path.
extension JPEG {
    public enum DecodingError: Error, Equatable, CustomStringConvertible {
        // Markers (segment structure)
        case missingStartOfImage
        case truncatedSegment(marker: UInt8)
        case invalidSegmentLength(marker: UInt8, length: Int)
        case unexpectedMarker(UInt8, stage: String)
        case noFrame
        case noScan
        // Headers
        case unsupported(String)
        case invalidFrame(String)
        case imageTooLarge(width: Int, height: Int, limit: Int)
        case invalidQuantizationTable(String)
        case invalidHuffmanTable(String)
        case invalidScan(String)
        case missingQuantizationTable(component: Int, table: Int)
        case missingHuffmanTable(table: Int, isDC: Bool)
        // Entropy-coded data
        case invalidHuffmanCode(scan: Int)
        case invalidArithmeticCode(scan: Int)
        case truncatedData(scan: Int)

        public var description: String {
            func hex(_ marker: UInt8) -> String {
                "0xFF" + String(marker, radix: 16, uppercase: true)
            }
            switch self {
            case .missingStartOfImage:
                return "JPEG markers: the data does not start with an SOI marker (0xFFD8)"
            case .truncatedSegment(let marker):
                return "JPEG markers: segment \(hex(marker)) runs past the end of the file"
            case .invalidSegmentLength(let marker, let length):
                return "JPEG markers: segment \(hex(marker)) has an impossible length \(length)"
            case .unexpectedMarker(let marker, let stage):
                return "JPEG markers: unexpected marker \(hex(marker)) \(stage)"
            case .noFrame:
                return "JPEG markers: no frame header (SOF) before the image data"
            case .noScan:
                return "JPEG markers: the file has a frame header but no image data (SOS)"
            case .unsupported(let feature):
                return "unsupported JPEG feature: \(feature)"
            case .invalidFrame(let problem):
                return "JPEG frame header: \(problem)"
            case .imageTooLarge(let width, let height, let limit):
                return "JPEG frame header: \(width)x\(height) exceeds the limit of \(limit) pixels"
            case .invalidQuantizationTable(let problem):
                return "JPEG quantization table: \(problem)"
            case .invalidHuffmanTable(let problem):
                return "JPEG Huffman table: \(problem)"
            case .invalidScan(let problem):
                return "JPEG scan header: \(problem)"
            case .missingQuantizationTable(let component, let table):
                return "JPEG frame header: component \(component) uses quantization table \(table), which was never defined (no DQT)"
            case .missingHuffmanTable(let table, let isDC):
                return "JPEG scan header: \(isDC ? "DC" : "AC") Huffman table \(table) was never defined (no DHT)"
            case .invalidHuffmanCode(let scan):
                return "JPEG entropy decoder: invalid Huffman code in scan \(scan) (corrupt data)"
            case .invalidArithmeticCode(let scan):
                return "JPEG entropy decoder: arithmetic-coded data of scan \(scan) decodes past the end of a block (corrupt data)"
            case .truncatedData(let scan):
                return "JPEG entropy decoder: the data of scan \(scan) ends early (truncated file)"
            }
        }
    }
}
