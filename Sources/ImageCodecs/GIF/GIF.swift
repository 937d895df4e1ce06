/// The GIF decoder: the first frame, as Keras and Pillow read it. The frame is placed on the logical
/// screen, which starts filled with the frame's transparent index (or index 0); indices become RGB through
/// the local colour table, else the global one, else a grey ramp. Transparency is not turned into alpha.
public enum GIF {
    public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidSignature
        case truncated(stage: String)
        case invalidSize(width: Int, height: Int)
        case imageTooLarge(width: Int, height: Int, limit: Int)
        case noImage
        case invalidCodeSize(Int)
        case invalidCode(Int)
        case missingImageData(decodedPixels: Int, needed: Int)
        case unknownBlock(UInt8, offset: Int)

        public var description: String {
            switch self {
            case .invalidSignature: return "GIF: the file does not start with GIF87a or GIF89a"
            case .truncated(let stage): return "GIF: the file ends inside the \(stage)"
            case .invalidSize(let width, let height): return "GIF: invalid size \(width)x\(height)"
            case .imageTooLarge(let width, let height, let limit):
                return "GIF: \(width)x\(height) exceeds the limit of \(limit) pixels"
            case .noImage: return "GIF: no image in the file"
            case .invalidCodeSize(let size): return "GIF: invalid LZW minimum code size \(size)"
            case .invalidCode(let code): return "GIF: LZW code \(code) is not in the table yet"
            case .missingImageData(let decoded, let needed):
                return "GIF: image data holds \(decoded) pixels, the frame needs \(needed)"
            case .unknownBlock(let byte, let offset): return "GIF: unknown block 0x\(String(byte, radix: 16)) at byte \(offset)"
            }
        }
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> Image {
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        guard bytes.count >= 6, bytes[0..<6].elementsEqual("GIF87a".utf8) || bytes[0..<6].elementsEqual("GIF89a".utf8)
        else { throw .invalidSignature }
        guard bytes.count >= 13 else { throw .truncated(stage: "logical screen descriptor") }
        let screenWidth = u16(6)
        let screenHeight = u16(8)
        guard screenWidth > 0, screenHeight > 0 else { throw .invalidSize(width: screenWidth, height: screenHeight) }
        guard screenWidth * screenHeight <= Image.maximumPixelCount else {
            throw .imageTooLarge(width: screenWidth, height: screenHeight, limit: Image.maximumPixelCount)
        }
        var offset = 13
        var colourTable: ArraySlice<UInt8>?
        if bytes[10] & 0x80 != 0 {
            let size = 3 << (Int(bytes[10] & 7) + 1)
            guard offset + size <= bytes.count else { throw .truncated(stage: "global colour table") }
            colourTable = bytes[offset..<offset + size]
            offset += size
        }

        var transparentIndex: UInt8?
        while true {
            guard offset < bytes.count else { throw .noImage }
            let introducer = bytes[offset]
            switch introducer {
            case 0x21:  // extension: label, then data sub-blocks
                guard offset + 2 <= bytes.count else { throw .truncated(stage: "extension") }
                let label = bytes[offset + 1]
                offset += 2
                // Graphic control extension: a 4-byte block whose bit 0 flags a transparent index.
                if label == 0xF9, offset + 5 <= bytes.count, bytes[offset] == 4, bytes[offset + 1] & 1 != 0 {
                    transparentIndex = bytes[offset + 4]
                }
                offset = try skipSubBlocks(bytes, from: offset)
            case 0x2C:
                guard offset + 10 <= bytes.count else { throw .truncated(stage: "image descriptor") }
                let left = u16(offset + 1), top = u16(offset + 3)
                let width = u16(offset + 5), height = u16(offset + 7)
                let flags = bytes[offset + 9]
                offset += 10
                guard width * height <= Image.maximumPixelCount else {
                    throw .imageTooLarge(width: width, height: height, limit: Image.maximumPixelCount)
                }
                if flags & 0x80 != 0 {
                    let size = 3 << (Int(flags & 7) + 1)
                    guard offset + size <= bytes.count else { throw .truncated(stage: "local colour table") }
                    colourTable = bytes[offset..<offset + size]
                    offset += size
                }
                guard offset < bytes.count else { throw .truncated(stage: "image data") }
                let minimumCodeSize = Int(bytes[offset])
                let data = try joinSubBlocks(bytes, from: offset + 1)
                let indices = try decompress(data, minimumCodeSize: minimumCodeSize, pixelCount: width * height)
                return render(
                    indices, frame: (left, top, width, height), interlaced: flags & 0x40 != 0,
                    screen: (screenWidth, screenHeight), background: transparentIndex ?? 0, colourTable: colourTable)
            case 0x3B:
                throw .noImage
            default:
                throw .unknownBlock(introducer, offset: offset)
            }
        }
    }

    private static func skipSubBlocks(_ bytes: [UInt8], from start: Int) throws(DecodingError) -> Int {
        var offset = start
        while true {
            guard offset < bytes.count else { throw .truncated(stage: "data sub-blocks") }
            let length = Int(bytes[offset])
            offset += 1 + length
            if length == 0 { return offset }
        }
    }

    /// The image data sub-blocks joined. A file cut short inside them keeps what it has (LZW decoding then
    /// decides whether enough pixels are present).
    private static func joinSubBlocks(_ bytes: [UInt8], from start: Int) throws(DecodingError) -> [UInt8] {
        var data: [UInt8] = []
        var offset = start
        while offset < bytes.count {
            let length = Int(bytes[offset])
            if length == 0 { break }
            let end = min(offset + 1 + length, bytes.count)
            data += bytes[(offset + 1)..<end]
            offset = end
        }
        return data
    }

    /// Variable-length-code LZW (GIF89a appendix F): codes LSB first, starting at minimumCodeSize + 1 bits,
    /// growing to 12; a clear code resets the table; a full table is kept until the next clear.
    static func decompress(_ data: [UInt8], minimumCodeSize: Int, pixelCount: Int) throws(DecodingError) -> [UInt8] {
        guard (1...11).contains(minimumCodeSize) else { throw .invalidCodeSize(minimumCodeSize) }
        let clearCode = 1 << minimumCodeSize
        let endCode = clearCode + 1
        var prefix = [UInt16](repeating: 0, count: 4096)
        var suffix = [UInt8](repeating: 0, count: 4096)
        var firstByte = [UInt8](repeating: 0, count: 4096)
        var lengthOf = [Int](repeating: 0, count: 4096)
        for code in 0..<clearCode {
            suffix[code] = UInt8(truncatingIfNeeded: code)
            firstByte[code] = UInt8(truncatingIfNeeded: code)
            lengthOf[code] = 1
        }
        var out = [UInt8](repeating: 0, count: pixelCount)
        var written = 0
        var codeSize = minimumCodeSize + 1
        var nextCode = clearCode + 2
        var previous = -1
        var bitBuffer = 0
        var bitCount = 0
        var position = 0
        decoding: while written < pixelCount {
            while bitCount < codeSize {
                guard position < data.count else { break decoding }
                bitBuffer |= Int(data[position]) << bitCount
                position += 1
                bitCount += 8
            }
            let code = bitBuffer & (1 << codeSize - 1)
            bitBuffer >>= codeSize
            bitCount -= codeSize
            if code == clearCode {
                codeSize = minimumCodeSize + 1
                nextCode = clearCode + 2
                previous = -1
                continue
            }
            if code == endCode { break }
            guard previous >= 0 || code < clearCode else { throw .invalidCode(code) }
            // The string for `code`; the one case not yet in the table (code == nextCode) is previous + its first byte.
            let known = code < nextCode
            guard known || (code == nextCode && previous >= 0) else { throw .invalidCode(code) }
            let stringCode = known ? code : previous
            let length = lengthOf[stringCode] + (known ? 0 : 1)
            let first = firstByte[stringCode]
            if previous >= 0 && nextCode < 4096 {
                prefix[nextCode] = UInt16(previous)
                suffix[nextCode] = first
                firstByte[nextCode] = firstByte[previous]
                lengthOf[nextCode] = lengthOf[previous] + 1
                nextCode += 1
                if nextCode == 1 << codeSize && codeSize < 12 { codeSize += 1 }
            }
            // Write the string back to front, clipped to the frame.
            var cursor = stringCode
            var index = written + lengthOf[stringCode] - 1
            if !known {
                if written + length - 1 < pixelCount { out[written + length - 1] = first }
            }
            while true {
                if index < pixelCount { out[index] = suffix[cursor] }
                if lengthOf[cursor] == 1 { break }
                cursor = Int(prefix[cursor])
                index -= 1
            }
            written += length
            previous = code
        }
        guard written >= pixelCount else { throw .missingImageData(decodedPixels: written, needed: pixelCount) }
        return out
    }

    private static func render(
        _ indices: [UInt8], frame: (left: Int, top: Int, width: Int, height: Int), interlaced: Bool,
        screen: (width: Int, height: Int), background: UInt8, colourTable: ArraySlice<UInt8>?
    ) -> Image {
        var rgbTable = [UInt8](repeating: 0, count: 3 * 256)
        if let table = colourTable {
            for (i, value) in table.enumerated() { rgbTable[i] = value }
        } else {
            for i in 0..<256 { rgbTable[3 * i] = UInt8(i); rgbTable[3 * i + 1] = UInt8(i); rgbTable[3 * i + 2] = UInt8(i) }
        }
        var canvas = [UInt8](repeating: background, count: screen.width * screen.height)
        // Interlaced frames store rows 0, 8, 16... then 4, 12... then 2, 6... then 1, 3...
        var rowOrder: [Int] = []
        if interlaced {
            for (start, step) in [(0, 8), (4, 8), (2, 4), (1, 2)] { rowOrder += Array(stride(from: start, to: frame.height, by: step)) }
        } else {
            rowOrder = Array(0..<frame.height)
        }
        for (storedRow, y) in rowOrder.enumerated() {
            let screenY = frame.top + y
            guard screenY < screen.height else { continue }
            for x in 0..<frame.width where frame.left + x < screen.width {
                canvas[screenY * screen.width + frame.left + x] = indices[storedRow * frame.width + x]
            }
        }
        var pixels = [UInt8](repeating: 0, count: canvas.count * 3)
        for (i, index) in canvas.enumerated() {
            pixels[3 * i] = rgbTable[3 * Int(index)]
            pixels[3 * i + 1] = rgbTable[3 * Int(index) + 1]
            pixels[3 * i + 2] = rgbTable[3 * Int(index) + 2]
        }
        return Image(width: screen.width, height: screen.height, channels: 3, pixels: pixels)
    }
}
