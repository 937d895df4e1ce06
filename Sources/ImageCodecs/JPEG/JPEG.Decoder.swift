/// The decoder's state machine: walks the markers, keeps the tables current, runs each scan through the
/// entropy decoder and, for progressive and arithmetic files, inverse-transforms the stored coefficients
/// at the end. Its output is one sample plane per component (`Planes`).
extension JPEG {
    /// Heap memory owned by the decoder, freed with it.
    final class Buffer<Element> {
        let pointer: UnsafeMutablePointer<Element>
        init(count: Int, repeating value: Element) {
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: value, count: count)
        }
        deinit { pointer.deallocate() }
    }

    /// Decoded samples of each component at its own resolution, plus what the colour stage needs.
    struct Planes {
        let frame: Frame
        /// One per component: `blocksPerLine * 8` wide, `blocksPerColumn * 8` high.
        let samples: [Buffer<UInt8>]
        let colorSpace: ColorSpace
        let orientation: Int
    }

    enum ColorSpace { case grayscale, yCbCr, rgb, cmyk, ycck }

    final class Decoder {
        let bytes: [UInt8]
        let maxPixelCount: Int
        var markers: MarkerReader
        var quantizationTables = [[Int32]?](repeating: nil, count: 4)
        var dcTables = [HuffmanTable?](repeating: nil, count: 4)
        var acTables = [HuffmanTable?](repeating: nil, count: 4)
        /// DAC conditioning: DC (L, U) and AC K per table, with T.81's defaults.
        var arithmeticDC = [(low: Int, high: Int)](repeating: (0, 1), count: 4)
        var arithmeticAC = [Int](repeating: 5, count: 4)
        var restartInterval = 0
        var frame: Frame?
        var hasJFIF = false
        var adobeTransform: Int?
        var orientation = 1
        var scanCount = 0

        /// Per component, allocated at the first scan.
        var samples: [Buffer<UInt8>] = []
        /// Quantisation table latched when the component first appears in a scan (libjpeg's rule).
        var componentQuantization: [Buffer<Int32>?] = []
        /// Stored coefficients (natural order) for progressive and arithmetic-coded files.
        var coefficients: [Buffer<Int16>] = []

        init(bytes: [UInt8], maxPixelCount: Int) {
            self.bytes = bytes
            self.maxPixelCount = maxPixelCount
            markers = MarkerReader(bytes: bytes, position: 0)
        }

        func decode() throws -> Planes {
            guard bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == Marker.soi else {
                throw DecodingError.missingStartOfImage
            }
            markers.position = 2
            // A missing EOI is tolerated: the image ends where the file does.
            markerLoop: while let marker = markers.nextMarker() {
                switch marker {
                case Marker.eoi:
                    break markerLoop
                case Marker.soi:
                    throw DecodingError.unexpectedMarker(marker, stage: "(a second SOI) inside the image")
                case Marker.tem, 0xD0...0xD7:
                    continue
                case Marker.sos:
                    try startScan(markers.segment(marker))
                case Marker.dqt:
                    for table in try parseQuantizationTables(markers.segment(marker)) {
                        quantizationTables[table.index] = table.values
                    }
                case Marker.dht:
                    for table in try parseHuffmanTables(markers.segment(marker)) {
                        if table.isDC { dcTables[table.index] = table.table } else { acTables[table.index] = table.table }
                    }
                case Marker.dac:
                    try parseArithmeticConditioning(markers.segment(marker))
                case Marker.dri:
                    let body = try markers.segment(marker)
                    guard body.count >= 2 else { throw DecodingError.invalidSegmentLength(marker: marker, length: body.count + 2) }
                    restartInterval = Int(body[body.startIndex]) << 8 | Int(body[body.startIndex + 1])
                case let m where Marker.isStartOfFrame(m):
                    guard frame == nil else {
                        throw DecodingError.unexpectedMarker(m, stage: "(a second frame header)")
                    }
                    frame = try Frame(marker: m, body: markers.segment(m), maxPixelCount: maxPixelCount)
                case Marker.app0:
                    let body = try markers.segment(marker)
                    if body.starts(with: [0x4A, 0x46, 0x49, 0x46, 0]) { hasJFIF = true }
                case Marker.app1:
                    if let value = parseExifOrientation(try markers.segment(marker)) { orientation = value }
                case Marker.app14:
                    let body = try markers.segment(marker)
                    if body.count >= 12, body.starts(with: Array("Adobe".utf8)) {
                        adobeTransform = Int(body[body.startIndex + 11])
                    }
                default:
                    _ = try markers.segment(marker)     // APPn, COM, DNL, EXP...: skipped
                }
            }
            guard let frame else { throw DecodingError.noFrame }
            guard scanCount > 0 else { throw DecodingError.noScan }
            if !coefficients.isEmpty { transformStoredCoefficients(frame) }
            return Planes(frame: frame, samples: samples, colorSpace: colorSpace(frame), orientation: orientation)
        }

        private func parseArithmeticConditioning(_ body: ArraySlice<UInt8>) throws {
            var p = body.startIndex
            while p + 1 < body.endIndex {
                let tableClass = body[p] >> 4, index = Int(body[p] & 15), value = Int(body[p + 1])
                guard index < 4 else { throw DecodingError.invalidScan("DAC table index \(index)") }
                if tableClass == 0 {
                    guard value & 15 <= value >> 4 else { throw DecodingError.invalidScan("DAC DC bounds \(value & 15)>\(value >> 4)") }
                    arithmeticDC[index] = (value & 15, value >> 4)
                } else {
                    guard (1...63).contains(value) else { throw DecodingError.invalidScan("DAC AC K \(value)") }
                    arithmeticAC[index] = value
                }
                p += 2
            }
        }

        /// libjpeg's choice of colour space: Adobe transform flag first, then JFIF, then component ids.
        private func colorSpace(_ frame: Frame) -> ColorSpace {
            switch frame.components.count {
            case 1:
                return .grayscale
            case 3:
                if let adobeTransform { return adobeTransform == 0 ? .rgb : .yCbCr }
                if hasJFIF { return .yCbCr }
                return frame.components.map(\.id) == [0x52, 0x47, 0x42] ? .rgb : .yCbCr
            default:
                return adobeTransform == 2 ? .ycck : .cmyk
            }
        }

        private func startScan(_ body: ArraySlice<UInt8>) throws {
            guard let frame else { throw DecodingError.noFrame }
            let scan = try Scan(body: body, frame: frame)
            scanCount += 1
            if samples.isEmpty { allocate(frame) }
            for index in scan.components where componentQuantization[index] == nil {
                let table = frame.components[index].quantizationTable
                guard let values = quantizationTables[table] else {
                    throw DecodingError.missingQuantizationTable(component: index, table: table)
                }
                let latched = Buffer<Int32>(count: 64, repeating: 0)
                latched.pointer.update(from: values, count: 64)
                componentQuantization[index] = latched
            }
            if frame.coding == .huffman { try checkHuffmanTables(scan, frame) }
            switch (frame.coding, frame.isProgressive) {
            case (.huffman, false): markers.position = try decodeSequentialHuffmanScan(scan, frame)
            case (.huffman, true): markers.position = try decodeProgressiveHuffmanScan(scan, frame)
            case (.arithmetic, _): markers.position = try decodeArithmeticScan(scan, frame)
            }
        }

        /// Every table the scan uses must be defined; a missing table 0 or 1 gets T.81's example table,
        /// as libjpeg does for Motion-JPEG frames, which omit DHT.
        private func checkHuffmanTables(_ scan: Scan, _ frame: Frame) throws {
            let needsDC = !frame.isProgressive || (scan.isDCScan && !scan.isRefinement)
            let needsAC = !frame.isProgressive || !scan.isDCScan
            for i in scan.components.indices {
                let dc = scan.dcTables[i], ac = scan.acTables[i]
                if needsDC && dcTables[dc] == nil {
                    guard let table = standardHuffmanTable(isDC: true, index: dc) else {
                        throw DecodingError.missingHuffmanTable(table: dc, isDC: true)
                    }
                    dcTables[dc] = table
                }
                if needsAC && acTables[ac] == nil {
                    guard let table = standardHuffmanTable(isDC: false, index: ac) else {
                        throw DecodingError.missingHuffmanTable(table: ac, isDC: false)
                    }
                    acTables[ac] = table
                }
            }
        }

        private func allocate(_ frame: Frame) {
            let storesCoefficients = frame.isProgressive || frame.coding == .arithmetic
            for component in frame.components {
                let blocks = component.blocksPerLine * component.blocksPerColumn
                // Mid-grey, so a component that never gets a scan comes out neutral (as libjpeg's zero
                // coefficients would).
                samples.append(Buffer(count: blocks * 64, repeating: 128))
                if storesCoefficients { coefficients.append(Buffer(count: blocks * 64, repeating: 0)) }
            }
            componentQuantization = Array(repeating: nil, count: frame.components.count)
        }

        /// Dequantises and inverse-transforms every stored block into the sample planes.
        private func transformStoredCoefficients(_ frame: Frame) {
            let block = Buffer<Int32>(count: 64, repeating: 0)
            for (index, component) in frame.components.enumerated() {
                // A component that never appeared in a scan stays flat grey, as in libjpeg.
                let quant = componentQuantization[index]?.pointer
                let stride = component.blocksPerLine * 8
                let plane = samples[index].pointer
                let stored = coefficients[index].pointer
                for by in 0..<component.blocksPerColumn {
                    for bx in 0..<component.blocksPerLine {
                        let source = stored + (by * component.blocksPerLine + bx) * 64
                        let target = plane + by * 8 * stride + bx * 8
                        guard let quant else {
                            IDCT.transformDC(0, into: target, stride: stride)
                            continue
                        }
                        var hasAC = false
                        for k in 1..<64 where source[k] != 0 { hasAC = true; break }
                        if hasAC {
                            for k in 0..<64 { block.pointer[k] = Int32(source[k]) &* quant[k] }
                            IDCT.transform(block.pointer, into: target, stride: stride)
                        } else {
                            IDCT.transformDC(Int32(source[0]) &* quant[0], into: target, stride: stride)
                        }
                    }
                }
            }
        }
    }
}
