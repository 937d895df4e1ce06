/// The PNG encoder: 8-bit grey, grey + alpha, RGB or RGBA, non-interlaced, each row filtered with the
/// filter whose output has the smallest sum of absolute (signed) values (the libpng heuristic), then
/// deflated with our own encoder.
extension PNG {
    /// PNG file bytes for `image`.
    public static func encode(_ image: Image) -> [UInt8] {
        precondition(image.width > 0 && image.height > 0, "a PNG needs at least one pixel")
        let colourType: ColourType = switch image.channels {
        case 1: .grey
        case 2: .greyAlpha
        case 3: .rgb
        default: .rgba
        }
        var out = signature
        var header: [UInt8] = []
        header += bigEndian(UInt32(image.width))
        header += bigEndian(UInt32(image.height))
        header += [8, colourType.rawValue, 0, 0, 0]
        appendChunk("IHDR", header, to: &out)

        let compressed = Deflate.zlibCompress(filteredRows(image))
        // Chunks of at most 1 MiB keep every chunk far below the 2^31 - 1 length limit.
        let pieceSize = 1 << 20
        var offset = 0
        repeat {
            let end = min(offset + pieceSize, compressed.count)
            appendChunk("IDAT", Array(compressed[offset..<end]), to: &out)
            offset = end
        } while offset < compressed.count
        appendChunk("IEND", [], to: &out)
        return out
    }

    /// Each row prefixed by its filter type, as the IDAT stream holds it before compression.
    private static func filteredRows(_ image: Image) -> [UInt8] {
        let bpp = image.channels
        let stride = image.width * bpp
        var out = [UInt8](repeating: 0, count: (stride + 1) * image.height)
        guard stride > 0 else { return out }
        var candidate = [UInt8](repeating: 0, count: stride)
        image.pixels.withUnsafeBufferPointer { pixels in
            out.withUnsafeMutableBufferPointer { out in
                candidate.withUnsafeMutableBufferPointer { candidate in
                    let zeroRow = [UInt8](repeating: 0, count: stride)
                    zeroRow.withUnsafeBufferPointer { zeroRow in
                        for y in 0..<image.height {
                            let row = pixels.baseAddress! + y * stride
                            let above = y > 0 ? row - stride : zeroRow.baseAddress!
                            let destination = out.baseAddress! + y * (stride + 1)
                            var bestCost = Int.max
                            for filter in Filter.allCases {
                                filter.apply(row: row, above: above, count: stride, bytesPerPixel: bpp, into: candidate.baseAddress!)
                                var cost = 0
                                for i in 0..<stride { cost += abs(Int(Int8(bitPattern: candidate[i]))) }
                                if cost < bestCost {
                                    bestCost = cost
                                    destination[0] = filter.rawValue
                                    (destination + 1).update(from: candidate.baseAddress!, count: stride)
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        out += bigEndian(UInt32(data.count))
        out += typeBytes
        out += data
        out += bigEndian(CRC32.checksum(data, continuing: CRC32.checksum(typeBytes)))
    }
}
