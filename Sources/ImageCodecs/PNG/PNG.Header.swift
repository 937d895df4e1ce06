/// The IHDR chunk: size, bit depth, colour type and interlacing, validated against the spec (§11.2.2)
/// and the size limit.
extension PNG {
    public struct Header: Sendable, Equatable {
        public let width: Int
        public let height: Int
        public let bitDepth: Int
        let colourType: ColourType
        public let isInterlaced: Bool

        init(_ data: UnsafeBufferPointer<UInt8>) throws(DecodingError) {
            guard data.count == 13 else { throw .invalidHeaderLength(data.count) }
            func uint32(_ offset: Int) -> UInt32 {
                UInt32(data[offset]) << 24 | UInt32(data[offset + 1]) << 16 | UInt32(data[offset + 2]) << 8
                    | UInt32(data[offset + 3])
            }
            let width = uint32(0)
            let height = uint32(4)
            guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
                throw .invalidSize(width: width, height: height)
            }
            guard Int(width) * Int(height) <= Image.maximumPixelCount else {
                throw .imageTooLarge(width: Int(width), height: Int(height), limit: Image.maximumPixelCount)
            }
            guard let colourType = ColourType(rawValue: data[9]) else { throw .invalidColourType(Int(data[9])) }
            let bitDepth = Int(data[8])
            let allowed: [Int] = switch colourType {
            case .grey: [1, 2, 4, 8, 16]
            case .palette: [1, 2, 4, 8]
            case .rgb, .greyAlpha, .rgba: [8, 16]
            }
            guard allowed.contains(bitDepth) else { throw .invalidBitDepth(bitDepth, colourType: Int(data[9])) }
            guard data[10] == 0 else { throw .invalidCompressionMethod(Int(data[10])) }
            guard data[11] == 0 else { throw .invalidFilterMethod(Int(data[11])) }
            guard data[12] <= 1 else { throw .invalidInterlaceMethod(Int(data[12])) }
            self.width = Int(width)
            self.height = Int(height)
            self.bitDepth = bitDepth
            self.colourType = colourType
            self.isInterlaced = data[12] == 1
        }

        var bitsPerPixel: Int { bitDepth * colourType.samplesPerPixel }
        /// The filter's left-neighbour distance: bytes per complete pixel, at least 1.
        var filterStride: Int { max(1, bitsPerPixel / 8) }
        func rowBytes(width: Int) -> Int { (width * bitsPerPixel + 7) / 8 }

        /// Bytes of filtered image data (filter-type bytes included) the header calls for.
        var imageDataSize: Int {
            passes.reduce(0) { $0 + ($1.width == 0 ? 0 : $1.height * (1 + rowBytes(width: $1.width))) }
        }

        /// The reduced images the data is stored as: one for a plain image, the seven Adam7 passes
        /// (some possibly empty) for an interlaced one.
        var passes: [Pass] {
            guard isInterlaced else { return [Pass(x: 0, y: 0, dx: 1, dy: 1, imageWidth: width, imageHeight: height)] }
            return Pass.adam7.map {
                Pass(x: $0.x, y: $0.y, dx: $0.dx, dy: $0.dy, imageWidth: width, imageHeight: height)
            }
        }
    }

    /// One Adam7 pass: its pixels sit at (x + i·dx, y + j·dy) of the full image.
    struct Pass {
        let x, y, dx, dy: Int
        let width, height: Int

        init(x: Int, y: Int, dx: Int, dy: Int, imageWidth: Int, imageHeight: Int) {
            self.x = x
            self.y = y
            self.dx = dx
            self.dy = dy
            width = imageWidth > x ? (imageWidth - x + dx - 1) / dx : 0
            height = imageHeight > y ? (imageHeight - y + dy - 1) / dy : 0
        }

        static let adam7: [(x: Int, y: Int, dx: Int, dy: Int)] = [
            (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
        ]
    }
}
