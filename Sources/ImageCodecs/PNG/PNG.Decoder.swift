/// The PNG decoder: chunks → inflate (capped at the size the header allows) → unfilter → Adam7 scatter →
/// samples in the output layout: grey 1, grey + alpha 2, RGB 3, RGBA 4 channels; palette expanded to RGB
/// (RGBA with tRNS); a grey or RGB tRNS key becomes an alpha channel (0 where the raw samples equal the
/// key at the file's own bit depth).
///
/// 8-bit output (`decode`): samples of 1, 2 and 4 bits are scaled by 255 / (2^d - 1), 16-bit samples are
/// rounded to the nearest 8-bit value, (v·255 + 32767) / 65535. (Pillow truncates, v >> 8, so it can be
/// 1 lower.) 16-bit output (`decode16`) is exact; smaller depths are scaled by 65535 / (2^d - 1).
extension PNG {
    /// Samples at 16 bits, same layout as `Image`.
    public struct Image16: Sendable, Equatable {
        public let width: Int
        public let height: Int
        public let channels: Int
        public var samples: [UInt16]
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> Image {
        try bytes.withUnsafeBufferPointer { (bytes) throws(DecodingError) -> Image in
            let contents = try readChunks(bytes)
            let header = contents.header
            var data = try inflateImageData(bytes, contents)
            let channels = outputChannels(contents)
            var pixels = [UInt8](repeating: 0, count: header.width * header.height * channels)
            if !header.isInterlaced && header.bitDepth == 8 && header.colourType != .palette
                && contents.transparency == nil {
                try unfilterDirectly(data, header: header, into: &pixels)
            } else {
                try unfilter(&data, header: header)
                try pixels.withUnsafeMutableBufferPointer { (pixels) throws(DecodingError) in
                    try expand(data, contents) { x, y, dx, samples, count in
                        // count samples of one pass row land at x, x + dx, ... of image row y.
                        var target = pixels.baseAddress! + (y * header.width + x) * channels
                        var i = 0
                        while i < count {
                            for c in 0..<channels {
                                target[c] = UInt8(truncatingIfNeeded: (UInt32(samples[i + c]) * 255 + 32767) / 65535)
                            }
                            target += dx * channels
                            i += channels
                        }
                    }
                }
            }
            return Image(width: header.width, height: header.height, channels: channels, pixels: pixels)
        }
    }

    public static func decode16(_ bytes: [UInt8]) throws(DecodingError) -> Image16 {
        try bytes.withUnsafeBufferPointer { (bytes) throws(DecodingError) -> Image16 in
            let contents = try readChunks(bytes)
            let header = contents.header
            var data = try inflateImageData(bytes, contents)
            try unfilter(&data, header: header)
            let channels = outputChannels(contents)
            var samples = [UInt16](repeating: 0, count: header.width * header.height * channels)
            try samples.withUnsafeMutableBufferPointer { (out) throws(DecodingError) in
                try expand(data, contents) { x, y, dx, row, count in
                    var target = out.baseAddress! + (y * header.width + x) * channels
                    var i = 0
                    while i < count {
                        target.update(from: row + i, count: channels)
                        target += dx * channels
                        i += channels
                    }
                }
            }
            return Image16(width: header.width, height: header.height, channels: channels, samples: samples)
        }
    }

    static func outputChannels(_ contents: Contents) -> Int {
        let alpha = contents.transparency != nil ? 1 : 0
        return switch contents.header.colourType {
        case .grey: 1 + alpha
        case .rgb, .palette: 3 + alpha
        case .greyAlpha: 2
        case .rgba: 4
        }
    }

    /// The concatenated IDAT payloads, inflated to exactly the size the header calls for.
    private static func inflateImageData(
        _ bytes: UnsafeBufferPointer<UInt8>, _ contents: Contents
    ) throws(DecodingError) -> [UInt8] {
        let expected = contents.header.imageDataSize
        let data: [UInt8]
        do {
            if contents.imageData.count == 1 {
                data = try Inflate.zlibDecompress(UnsafeBufferPointer(rebasing: bytes[contents.imageData[0]]), limit: expected)
            } else {
                var joined: [UInt8] = []
                joined.reserveCapacity(contents.imageData.reduce(0) { $0 + $1.count })
                for range in contents.imageData { joined += bytes[range] }
                data = try Inflate.zlibDecompress(joined, limit: expected)
            }
        } catch .outputLimitExceeded {
            throw .tooMuchImageData(expected: expected)
        } catch {
            throw .compressedData(error)
        }
        guard data.count == expected else { throw .notEnoughImageData(expected: expected, actual: data.count) }
        return data
    }

    /// Non-interlaced 8-bit images without palette or key: rows unfilter straight into the output.
    private static func unfilterDirectly(_ data: [UInt8], header: Header, into pixels: inout [UInt8]) throws(DecodingError) {
        let rowBytes = header.rowBytes(width: header.width)
        let zeros = [UInt8](repeating: 0, count: rowBytes)
        let failedRow: Int? = data.withUnsafeBufferPointer { data in
            pixels.withUnsafeMutableBufferPointer { pixels in
                zeros.withUnsafeBufferPointer { zeros in
                    for y in 0..<header.height {
                        let source = data.baseAddress! + y * (rowBytes + 1)
                        let destination = pixels.baseAddress! + y * rowBytes
                        let above = y == 0 ? zeros.baseAddress! : UnsafePointer(destination - rowBytes)
                        guard Filter.unfilter(
                            type: source[0], source: source + 1, destination: destination, above: above,
                            count: rowBytes, bytesPerPixel: header.filterStride)
                        else { return y }
                    }
                    return nil
                }
            }
        }
        if let row = failedRow { throw .invalidFilter(type: Int(data[row * (rowBytes + 1)]), row: row) }
    }

    /// Unfilters every row of every pass in place (each row keeps its leading filter-type byte).
    private static func unfilter(_ data: inout [UInt8], header: Header) throws(DecodingError) {
        let zeros = [UInt8](repeating: 0, count: header.rowBytes(width: header.width))
        let failed: (type: Int, row: Int)? = data.withUnsafeMutableBufferPointer { data in
            zeros.withUnsafeBufferPointer { zeros in
                var offset = 0
                var rowIndex = 0
                for pass in header.passes where pass.width > 0 {
                    let rowBytes = header.rowBytes(width: pass.width)
                    for y in 0..<pass.height {
                        let row = data.baseAddress! + offset
                        let above = y == 0 ? zeros.baseAddress! : UnsafePointer(row - rowBytes)
                        guard Filter.unfilter(
                            type: row[0], source: row + 1, destination: row + 1, above: above,
                            count: rowBytes, bytesPerPixel: header.filterStride)
                        else { return (Int(row[0]), rowIndex) }
                        offset += rowBytes + 1
                        rowIndex += 1
                    }
                }
                return nil
            }
        }
        if let failed { throw .invalidFilter(type: failed.type, row: failed.row) }
    }

    /// Turns every unfiltered row into 16-bit output samples (palette, tRNS and depth scaling applied) and
    /// hands it to `deliver(x, y, dx, samples, sampleCount)`, which places the row's pixels in the image.
    private static func expand(
        _ data: [UInt8], _ contents: Contents,
        deliver: (Int, Int, Int, UnsafePointer<UInt16>, Int) -> Void
    ) throws(DecodingError) {
        let header = contents.header
        let channels = outputChannels(contents)
        let depth = header.bitDepth
        var row16 = [UInt16](repeating: 0, count: header.width * channels)
        var largestIndex = 0
        data.withUnsafeBufferPointer { data in
            row16.withUnsafeMutableBufferPointer { row16 in
                contents.palette.withUnsafeBufferPointer { palette in
                    let out = row16.baseAddress!
                    var offset = 0
                    for pass in header.passes where pass.width > 0 {
                        let rowBytes = header.rowBytes(width: pass.width)
                        for j in 0..<pass.height {
                            let row = data.baseAddress! + offset + 1
                            offset += rowBytes + 1
                            let width = pass.width
                            @inline(__always) func sample(_ index: Int) -> Int {
                                switch depth {
                                case 8: return Int(row[index])
                                case 16: return Int(row[2 * index]) << 8 | Int(row[2 * index + 1])
                                default:
                                    let bit = index * depth
                                    return Int(row[bit >> 3] >> UInt8(8 - depth - bit & 7)) & (1 << depth - 1)
                                }
                            }
                            // Scale to 16 bits: 65535 / (2^d - 1) is an integer for d = 1, 2, 4, 8, 16.
                            let scale = 65535 / (1 << depth - 1)
                            switch header.colourType {
                            case .palette:
                                // The RGBA palette is padded to 256 entries, so any index is a safe lookup;
                                // out-of-range ones are reported after the loop.
                                for i in 0..<width {
                                    let index = sample(i)
                                    largestIndex = max(largestIndex, index)
                                    for c in 0..<channels { out[i * channels + c] = UInt16(palette[4 * index + c]) &* 257 }
                                }
                            case .grey:
                                for i in 0..<width {
                                    let v = sample(i)
                                    out[i * channels] = UInt16(v * scale)
                                    if case .greyKey(let key) = contents.transparency {
                                        out[i * channels + 1] = v == Int(key) ? 0 : 65535
                                    }
                                }
                            case .rgb:
                                for i in 0..<width {
                                    let r = sample(3 * i), g = sample(3 * i + 1), b = sample(3 * i + 2)
                                    out[i * channels] = UInt16(r * scale)
                                    out[i * channels + 1] = UInt16(g * scale)
                                    out[i * channels + 2] = UInt16(b * scale)
                                    if case .rgbKey(let kr, let kg, let kb) = contents.transparency {
                                        out[i * channels + 3] = r == Int(kr) && g == Int(kg) && b == Int(kb) ? 0 : 65535
                                    }
                                }
                            case .greyAlpha, .rgba:
                                for i in 0..<width * channels { out[i] = UInt16(sample(i) * scale) }
                            }
                            deliver(pass.x, pass.y + j * pass.dy, pass.dx, out, width * channels)
                        }
                    }
                }
            }
        }
        if header.colourType == .palette && largestIndex >= contents.paletteCount {
            throw .paletteIndexOutOfRange(index: largestIndex, paletteSize: contents.paletteCount)
        }
    }
}
