/// Walks the chunk stream (spec §5.3): checks lengths and CRCs, and keeps what decoding needs
/// (IHDR, PLTE, tRNS, the IDAT ranges). Other ancillary chunks are skipped; unknown critical ones fail.
///
/// Policies: a bad CRC on a critical chunk (IHDR, PLTE, IDAT, IEND) is an error; an ancillary chunk with
/// a bad CRC is dropped, as libpng does. A file that ends cleanly after its image data without IEND is
/// accepted (every pixel is present).
extension PNG {
    /// Transparency from tRNS, at the file's own bit depth.
    enum Transparency: Equatable {
        case palette
        case greyKey(UInt16)
        case rgbKey(UInt16, UInt16, UInt16)
    }

    struct Contents {
        var header: Header
        /// RGBA palette entries, padded to 256 with opaque black; alpha from tRNS.
        var palette: [UInt8] = []
        var paletteCount = 0
        var transparency: Transparency?
        var imageData: [Range<Int>] = []
    }

    static func readChunks(_ bytes: UnsafeBufferPointer<UInt8>) throws(DecodingError) -> Contents {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw .invalidSignature }
        var contents: Contents?
        var paletteAlpha: [UInt8]?
        var offset = 8
        chunks: while offset < bytes.count {
            guard offset + 8 <= bytes.count else { throw .truncatedChunk(type: "(chunk header)", offset: offset) }
            let length = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
                | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
            let typeBytes = bytes[offset + 4..<offset + 8]
            guard typeBytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) }) else {
                throw .invalidChunkType(offset: offset)
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length < 1 << 31 else { throw .invalidChunkLength(type: type, length: length) }
            let dataStart = offset + 8
            let dataEnd = dataStart + Int(length)
            guard dataEnd + 4 <= bytes.count else { throw .truncatedChunk(type: type, offset: offset) }
            let stored = UInt32(bytes[dataEnd]) << 24 | UInt32(bytes[dataEnd + 1]) << 16
                | UInt32(bytes[dataEnd + 2]) << 8 | UInt32(bytes[dataEnd + 3])
            let computed = CRC32.checksum(UnsafeBufferPointer(rebasing: bytes[offset + 4..<dataEnd]))
            let isCritical = typeBytes.first! & 0x20 == 0
            offset = dataEnd + 4
            if stored != computed {
                if isCritical { throw .badChecksum(chunk: type, stored: stored, computed: computed) }
                continue
            }
            let data = UnsafeBufferPointer(rebasing: bytes[dataStart..<dataEnd])

            guard var current = contents else {
                guard type == "IHDR" else { throw .missingHeader(firstChunk: type) }
                contents = Contents(header: try Header(data))
                continue
            }
            switch type {
            case "IHDR":
                continue  // a repeated header is ignored
            case "PLTE":
                guard length % 3 == 0, (3...768).contains(length) else { throw .invalidPalette(length: Int(length)) }
                current.paletteCount = Int(length) / 3
                current.palette = [UInt8](repeating: 0, count: 4 * 256)
                for entry in 0..<256 { current.palette[4 * entry + 3] = 255 }
                for entry in 0..<current.paletteCount {
                    for channel in 0..<3 { current.palette[4 * entry + channel] = data[3 * entry + channel] }
                }
            case "tRNS":
                switch current.header.colourType {
                case .palette:
                    paletteAlpha = Array(data.prefix(256))
                    current.transparency = .palette
                case .grey where length >= 2:
                    current.transparency = .greyKey(UInt16(data[0]) << 8 | UInt16(data[1]))
                case .rgb where length >= 6:
                    current.transparency = .rgbKey(
                        UInt16(data[0]) << 8 | UInt16(data[1]), UInt16(data[2]) << 8 | UInt16(data[3]),
                        UInt16(data[4]) << 8 | UInt16(data[5]))
                default:
                    break  // not allowed for types with an alpha channel: ignored, like libpng
                }
            case "IDAT":
                current.imageData.append(dataStart..<dataEnd)
            case "IEND":
                contents = current
                break chunks
            default:
                if isCritical { throw .unknownCriticalChunk(type) }
            }
            contents = current
        }
        guard var result = contents else { throw .truncatedChunk(type: "IHDR", offset: offset) }
        if result.header.colourType == .palette {
            guard result.paletteCount > 0 else { throw .missingPalette }
            if let alpha = paletteAlpha {
                for (entry, value) in alpha.prefix(result.paletteCount).enumerated() { result.palette[4 * entry + 3] = value }
            }
        }
        guard !result.imageData.isEmpty else { throw .missingImageData }
        return result
    }
}
