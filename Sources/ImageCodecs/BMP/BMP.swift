/// The BMP decoder, covering what Pillow (and so Keras) reads: OS/2 and Windows headers (12, 40, 52, 56,
/// 64, 108, 124 bytes); 1, 4 and 8-bit palettes, uncompressed or RLE4/RLE8; 16-bit (5-5-5 or bit fields);
/// 24-bit; 32-bit (BI_RGB ignores the fourth byte, as Pillow does; bit fields with an alpha mask give RGBA);
/// bottom-up and top-down rows. Output is RGB, or RGBA when the file has an alpha mask.
public enum BMP {
    public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidSignature
        case truncatedHeader
        case unsupportedHeaderSize(Int)
        case invalidSize(width: Int, height: Int)
        case imageTooLarge(width: Int, height: Int, limit: Int)
        case unsupportedBitDepth(Int)
        case unsupportedCompression(Int, bitDepth: Int)
        case invalidBitFields(red: UInt32, green: UInt32, blue: UInt32)
        case invalidPaletteSize(Int)
        case truncatedPixelData(needed: Int, available: Int)
        case invalidRunLengthData(offset: Int)

        public var description: String {
            switch self {
            case .invalidSignature: return "BMP: the file does not start with \"BM\""
            case .truncatedHeader: return "BMP: the file ends inside its header"
            case .unsupportedHeaderSize(let size): return "BMP: unknown info header size \(size)"
            case .invalidSize(let width, let height): return "BMP: invalid size \(width)x\(height)"
            case .imageTooLarge(let width, let height, let limit):
                return "BMP: \(width)x\(height) exceeds the limit of \(limit) pixels"
            case .unsupportedBitDepth(let depth): return "BMP: unsupported bit depth \(depth)"
            case .unsupportedCompression(let compression, let depth):
                return "BMP: unsupported compression \(compression) for bit depth \(depth)"
            case .invalidBitFields(let red, let green, let blue):
                return "BMP: invalid bit-field masks red \(red), green \(green), blue \(blue)"
            case .invalidPaletteSize(let count): return "BMP: invalid palette size \(count)"
            case .truncatedPixelData(let needed, let available):
                return "BMP: pixel data needs \(needed) bytes, the file holds \(available)"
            case .invalidRunLengthData(let offset): return "BMP: run-length data breaks off or overruns at byte \(offset)"
            }
        }
    }

    private enum Compression: Int {
        case none = 0, rle8 = 1, rle4 = 2, bitFields = 3, alphaBitFields = 6
    }

    /// A channel stored under a bit mask: where it sits and how to bring it to 8 bits, v * 255 / max
    /// truncated, exactly as Pillow does (so 5-bit 3 → 24), so we match what Keras sees.
    private struct BitField {
        let shift: UInt32
        let maximum: UInt64

        init?(mask: UInt32) {
            guard mask != 0 else { return nil }
            shift = UInt32(mask.trailingZeroBitCount)
            let shifted = UInt64(mask >> shift)
            guard shifted & (shifted + 1) == 0 else { return nil }  // the set bits must be contiguous
            maximum = shifted
        }

        @inline(__always)
        func value(_ pixel: UInt32) -> UInt8 {
            UInt8(truncatingIfNeeded: (UInt64(pixel >> shift) & maximum) * 255 / maximum)
        }
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> Image {
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 {
            UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
        }
        guard bytes.count >= 2, bytes[0] == 0x42, bytes[1] == 0x4D else { throw .invalidSignature }
        guard bytes.count >= 18 else { throw .truncatedHeader }
        let dataOffset = Int(u32(10))
        let headerSize = Int(u32(14))
        guard [12, 40, 52, 56, 64, 108, 124].contains(headerSize) else { throw .unsupportedHeaderSize(headerSize) }
        guard bytes.count >= 14 + headerSize else { throw .truncatedHeader }

        let width: Int, signedHeight: Int, bitDepth: Int, compressionCode: Int
        var paletteCount = 0
        if headerSize == 12 {
            width = u16(18)
            signedHeight = u16(20)
            bitDepth = u16(24)
            compressionCode = 0
        } else {
            width = Int(Int32(bitPattern: u32(18)))
            signedHeight = Int(Int32(bitPattern: u32(22)))
            bitDepth = u16(28)
            compressionCode = Int(u32(30))
            paletteCount = Int(u32(46))
        }
        let isTopDown = signedHeight < 0
        let height = abs(signedHeight)
        guard width > 0, height > 0 else { throw .invalidSize(width: width, height: signedHeight) }
        guard width * height <= Image.maximumPixelCount else {
            throw .imageTooLarge(width: width, height: height, limit: Image.maximumPixelCount)
        }
        guard [1, 4, 8, 16, 24, 32].contains(bitDepth) else { throw .unsupportedBitDepth(bitDepth) }
        guard let compression = Compression(rawValue: compressionCode) else {
            throw .unsupportedCompression(compressionCode, bitDepth: bitDepth)
        }
        switch (compression, bitDepth) {
        case (.none, _), (.rle8, 8), (.rle4, 4), (.bitFields, 16), (.bitFields, 32), (.alphaBitFields, 16),
            (.alphaBitFields, 32):
            break
        default:
            throw .unsupportedCompression(compressionCode, bitDepth: bitDepth)
        }

        // Bit fields: inside V2+ headers, or right after a 40-byte header.
        var masks: (red: UInt32, green: UInt32, blue: UInt32, alpha: UInt32)
        if compression == .bitFields || compression == .alphaBitFields {
            let start = 14 + (headerSize >= 52 ? 40 : headerSize)
            let hasAlphaMask = headerSize >= 56 || compression == .alphaBitFields
            guard bytes.count >= start + (hasAlphaMask ? 16 : 12) else { throw .truncatedHeader }
            masks = (u32(start), u32(start + 4), u32(start + 8), hasAlphaMask ? u32(start + 12) : 0)
        } else if bitDepth == 16 {
            masks = (0x7C00, 0x03E0, 0x001F, 0)
        } else {
            masks = (0xFF_0000, 0xFF00, 0xFF, 0)
        }

        // Palette: entries of 4 bytes (BGR0), or 3 (BGR) in OS/2 1.x files.
        var palette = [UInt8](repeating: 0, count: 3 * 256)
        if bitDepth <= 8 {
            let entrySize = headerSize == 12 ? 3 : 4
            if paletteCount == 0 { paletteCount = 1 << bitDepth }
            guard paletteCount <= 65536 else { throw .invalidPaletteSize(paletteCount) }
            // Indices reach at most 2^depth - 1; entries past 256 are never used.
            let usedCount = min(paletteCount, 256)
            let start = 14 + headerSize
            guard bytes.count >= start + usedCount * entrySize else { throw .truncatedHeader }
            for entry in 0..<usedCount {
                palette[3 * entry] = bytes[start + entry * entrySize + 2]
                palette[3 * entry + 1] = bytes[start + entry * entrySize + 1]
                palette[3 * entry + 2] = bytes[start + entry * entrySize]
            }
        }

        let channels = bitDepth >= 16 && masks.alpha != 0 ? 4 : 3
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        // Stored row r is image row y(r): bottom-up unless the height is negative.
        func imageRow(_ storedRow: Int) -> Int { isTopDown ? storedRow : height - 1 - storedRow }

        if compression == .rle8 || compression == .rle4 {
            let indices = try decodeRunLength(bytes, from: dataOffset, width: width, height: height, nibbles: compression == .rle4)
            for r in 0..<height {
                let y = imageRow(r)
                for x in 0..<width {
                    let index = Int(indices[r * width + x])
                    for c in 0..<3 { pixels[(y * width + x) * 3 + c] = palette[3 * index + c] }
                }
            }
            return Image(width: width, height: height, channels: 3, pixels: pixels)
        }

        let stride = ((width * bitDepth + 31) / 32) * 4
        let needed = stride * (height - 1) + (width * bitDepth + 7) / 8
        guard dataOffset >= 0, dataOffset <= bytes.count, bytes.count - dataOffset >= needed else {
            throw .truncatedPixelData(needed: needed, available: max(0, bytes.count - dataOffset))
        }
        guard let red = BitField(mask: masks.red), let green = BitField(mask: masks.green),
            let blue = BitField(mask: masks.blue)
        else { throw .invalidBitFields(red: masks.red, green: masks.green, blue: masks.blue) }
        let alpha = BitField(mask: masks.alpha)

        bytes.withUnsafeBufferPointer { bytes in
            pixels.withUnsafeMutableBufferPointer { pixels in
                for r in 0..<height {
                    let row = bytes.baseAddress! + dataOffset + r * stride
                    var out = pixels.baseAddress! + imageRow(r) * width * channels
                    switch bitDepth {
                    case 24:
                        for x in 0..<width {
                            out[0] = row[3 * x + 2]; out[1] = row[3 * x + 1]; out[2] = row[3 * x]
                            out += 3
                        }
                    case 16, 32:
                        for x in 0..<width {
                            let value = bitDepth == 16
                                ? UInt32(row[2 * x]) | UInt32(row[2 * x + 1]) << 8
                                : UInt32(row[4 * x]) | UInt32(row[4 * x + 1]) << 8 | UInt32(row[4 * x + 2]) << 16
                                    | UInt32(row[4 * x + 3]) << 24
                            out[0] = red.value(value); out[1] = green.value(value); out[2] = blue.value(value)
                            if let alpha { out[3] = alpha.value(value) }
                            out += channels
                        }
                    default:
                        let mask = (1 << bitDepth) - 1
                        for x in 0..<width {
                            let bit = x * bitDepth
                            let index = Int(row[bit >> 3] >> UInt8(8 - bitDepth - bit & 7)) & mask
                            out[0] = palette[3 * index]; out[1] = palette[3 * index + 1]; out[2] = palette[3 * index + 2]
                            out += 3
                        }
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Expands RLE8 or RLE4 data into palette indices in stored row order (unset pixels stay index 0).
    private static func decodeRunLength(
        _ bytes: [UInt8], from start: Int, width: Int, height: Int, nibbles: Bool
    ) throws(DecodingError) -> [UInt8] {
        var indices = [UInt8](repeating: 0, count: width * height)
        var x = 0
        var row = 0
        var offset = start
        func put(_ index: UInt8) {
            if x < width && row < height { indices[row * width + x] = index }
            x += 1
        }
        while row < height {
            guard offset >= 0, offset + 2 <= bytes.count else { throw .invalidRunLengthData(offset: offset) }
            let count = Int(bytes[offset])
            let value = bytes[offset + 1]
            offset += 2
            if count > 0 {
                for i in 0..<count { put(nibbles ? (i & 1 == 0 ? value >> 4 : value & 0x0F) : value) }
                continue
            }
            switch value {
            case 0:
                x = 0
                row += 1
            case 1:
                return indices
            case 2:
                guard offset + 2 <= bytes.count else { throw .invalidRunLengthData(offset: offset) }
                x += Int(bytes[offset])
                row += Int(bytes[offset + 1])
                offset += 2
            default:
                let literalCount = Int(value)
                let byteCount = nibbles ? (literalCount + 1) / 2 : literalCount
                guard offset + byteCount <= bytes.count else { throw .invalidRunLengthData(offset: offset) }
                for i in 0..<literalCount {
                    let byte = bytes[offset + (nibbles ? i / 2 : i)]
                    put(nibbles ? (i & 1 == 0 ? byte >> 4 : byte & 0x0F) : byte)
                }
                offset += (byteCount + 1) & ~1  // runs are padded to 16 bits
            }
        }
        return indices
    }
}
