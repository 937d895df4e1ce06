/// The frame (SOFn) and scan (SOS) headers, and the geometry derived from them: sampling factors,
/// MCU counts, each component's block grid and downsampled size.
extension JPEG {
    enum Coding: Equatable { case huffman, arithmetic }

    struct Component {
        let id: UInt8
        let horizontalSampling: Int
        let verticalSampling: Int
        let quantizationTable: Int
        /// Block grid padded to whole MCUs (what interleaved scans cover).
        var blocksPerLine = 0
        var blocksPerColumn = 0
        /// Samples actually in the image at this component's resolution (libjpeg's downsampled size).
        var width = 0
        var height = 0
        /// Blocks a non-interleaved scan of this component covers.
        var scanBlocksPerLine: Int { (width + 7) / 8 }
        var scanBlocksPerColumn: Int { (height + 7) / 8 }
    }

    struct Frame {
        let isProgressive: Bool
        let coding: Coding
        let width: Int
        let height: Int
        var components: [Component]
        let maxHorizontalSampling: Int
        let maxVerticalSampling: Int
        let mcusPerLine: Int
        let mcusPerColumn: Int

        /// Parses an SOF segment body; rejects what this decoder cannot or must not decode.
        init(marker: UInt8, body: ArraySlice<UInt8>, maxPixelCount: Int) throws {
            let kind = marker & 0x0F
            switch kind {
            case 0, 1: (isProgressive, coding) = (false, .huffman)
            case 2: (isProgressive, coding) = (true, .huffman)
            case 9: (isProgressive, coding) = (false, .arithmetic)
            case 10: (isProgressive, coding) = (true, .arithmetic)
            case 3, 7, 11, 15: throw DecodingError.unsupported("lossless JPEG (SOF\(kind))")
            case 5, 6, 13, 14: throw DecodingError.unsupported("hierarchical JPEG (SOF\(kind))")
            default: throw DecodingError.invalidFrame("SOF\(kind) is not a frame type")
            }
            let b = Array(body)
            guard b.count >= 6 else { throw DecodingError.invalidFrame("header is \(b.count) bytes long") }
            let precision = Int(b[0])
            guard precision == 8 else {
                throw DecodingError.unsupported("\(precision)-bit samples (only 8-bit JPEG is decoded)")
            }
            height = Int(b[1]) << 8 | Int(b[2])
            width = Int(b[3]) << 8 | Int(b[4])
            let count = Int(b[5])
            guard width > 0 else { throw DecodingError.invalidFrame("width is 0") }
            guard height > 0 else {
                throw DecodingError.unsupported("height 0 (defined later by a DNL marker)")
            }
            guard width * height <= maxPixelCount else {
                throw DecodingError.imageTooLarge(width: width, height: height, limit: maxPixelCount)
            }
            guard [1, 3, 4].contains(count) else {
                throw DecodingError.unsupported("\(count) colour components (1, 3 or 4 are decoded)")
            }
            guard b.count >= 6 + 3 * count else {
                throw DecodingError.invalidFrame("header too short for \(count) components")
            }
            var components: [Component] = []
            for i in 0..<count {
                let at = 6 + 3 * i
                let h = Int(b[at + 1] >> 4), v = Int(b[at + 1] & 15)
                guard (1...4).contains(h), (1...4).contains(v) else {
                    throw DecodingError.invalidFrame("component \(i) has sampling factors \(h)x\(v) (1...4 allowed)")
                }
                guard b[at + 2] < 4 else {
                    throw DecodingError.invalidFrame("component \(i) uses quantization table \(b[at + 2]) (0...3 allowed)")
                }
                guard !components.contains(where: { $0.id == b[at] }) else {
                    throw DecodingError.invalidFrame("component id \(b[at]) appears twice")
                }
                components.append(Component(id: b[at], horizontalSampling: h, verticalSampling: v,
                                            quantizationTable: Int(b[at + 2])))
            }
            let hMax = components.map(\.horizontalSampling).max()!
            let vMax = components.map(\.verticalSampling).max()!
            for c in components where hMax % c.horizontalSampling != 0 || vMax % c.verticalSampling != 0 {
                throw DecodingError.unsupported("fractional sampling factors \(c.horizontalSampling)x\(c.verticalSampling) of \(hMax)x\(vMax)")
            }
            maxHorizontalSampling = hMax
            maxVerticalSampling = vMax
            mcusPerLine = (width + 8 * hMax - 1) / (8 * hMax)
            mcusPerColumn = (height + 8 * vMax - 1) / (8 * vMax)
            for i in components.indices {
                let h = components[i].horizontalSampling, v = components[i].verticalSampling
                components[i].blocksPerLine = mcusPerLine * h
                components[i].blocksPerColumn = mcusPerColumn * v
                components[i].width = (width * h + hMax - 1) / hMax
                components[i].height = (height * v + vMax - 1) / vMax
            }
            self.components = components
        }
    }

    struct Scan {
        /// Indices into `Frame.components`, in scan order.
        let components: [Int]
        let dcTables: [Int]
        let acTables: [Int]
        let spectralStart: Int
        let spectralEnd: Int
        let approximationHigh: Int
        let approximationLow: Int

        init(body: ArraySlice<UInt8>, frame: Frame) throws {
            let b = Array(body)
            guard let count = b.first.map(Int.init), (1...4).contains(count), b.count >= 1 + 2 * count + 3 else {
                throw DecodingError.invalidScan("header is malformed (\(b.count) bytes)")
            }
            var components: [Int] = [], dc: [Int] = [], ac: [Int] = []
            for i in 0..<count {
                let id = b[1 + 2 * i], tables = b[2 + 2 * i]
                guard let index = frame.components.firstIndex(where: { $0.id == id }) else {
                    throw DecodingError.invalidScan("component id \(id) is not in the frame")
                }
                guard !components.contains(index) else {
                    throw DecodingError.invalidScan("component id \(id) appears twice")
                }
                guard tables >> 4 < 4, tables & 15 < 4 else {
                    throw DecodingError.invalidScan("entropy table selector \(tables >> 4)/\(tables & 15) (0...3 allowed)")
                }
                components.append(index)
                dc.append(Int(tables >> 4))
                ac.append(Int(tables & 15))
            }
            let at = 1 + 2 * count
            spectralStart = Int(b[at])
            spectralEnd = Int(b[at + 1])
            approximationHigh = Int(b[at + 2] >> 4)
            approximationLow = Int(b[at + 2] & 15)
            self.components = components
            dcTables = dc
            acTables = ac

            if count > 1 {
                let blocks = components.map {
                    frame.components[$0].horizontalSampling * frame.components[$0].verticalSampling
                }.reduce(0, +)
                guard blocks <= 10 else { throw DecodingError.invalidScan("\(blocks) blocks per MCU (10 at most)") }
            }
            if frame.isProgressive {
                guard spectralStart <= spectralEnd, spectralEnd <= 63,
                      (spectralStart == 0) == (spectralEnd == 0) else {
                    throw DecodingError.invalidScan("spectral selection \(spectralStart)...\(spectralEnd)")
                }
                guard spectralStart == 0 || count == 1 else {
                    throw DecodingError.invalidScan("an AC scan of a progressive image holds \(count) components (1 allowed)")
                }
                guard approximationLow <= 13, approximationHigh <= 13,
                      approximationHigh == 0 || approximationHigh == approximationLow + 1 else {
                    throw DecodingError.invalidScan("successive approximation \(approximationHigh)/\(approximationLow)")
                }
            }
        }

        var isDCScan: Bool { spectralStart == 0 }
        var isRefinement: Bool { approximationHigh != 0 }
    }
}
