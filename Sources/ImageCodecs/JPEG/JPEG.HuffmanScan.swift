/// Entropy decoding of Huffman-coded scans (T.81 F.2 and G.2): sequential scans, decoded and inverse-
/// transformed block by block straight into the sample planes, and the four kinds of progressive scan
/// (DC first/refine, AC first/refine with EOB runs), which update the stored coefficients.
extension JPEG {
    /// The MCU layout of one scan: an interleaved scan walks the frame's MCUs, a single-component scan
    /// walks that component's own blocks, one block per MCU.
    struct ScanLayout {
        let mcusPerLine: Int
        let mcusPerColumn: Int
        /// For each scan component: blocks per MCU across and down.
        let blocksAcross: [Int]
        let blocksDown: [Int]

        init(_ scan: Scan, _ frame: Frame) {
            if scan.components.count == 1 {
                let component = frame.components[scan.components[0]]
                mcusPerLine = component.scanBlocksPerLine
                mcusPerColumn = component.scanBlocksPerColumn
                blocksAcross = [1]
                blocksDown = [1]
            } else {
                mcusPerLine = frame.mcusPerLine
                mcusPerColumn = frame.mcusPerColumn
                blocksAcross = scan.components.map { frame.components[$0].horizontalSampling }
                blocksDown = scan.components.map { frame.components[$0].verticalSampling }
            }
        }
    }
}

extension JPEG.Decoder {
    typealias Lookup = JPEG.HuffmanTable.Lookup

    /// Decodes a baseline/extended sequential scan; returns the byte position after its data.
    func decodeSequentialHuffmanScan(_ scan: JPEG.Scan, _ frame: JPEG.Frame) throws -> Int {
        let layout = JPEG.ScanLayout(scan, frame)
        let scanNumber = scanCount
        let count = scan.components.count
        let dc = scan.dcTables.map { dcTables[$0]!.lookup }
        let ac = scan.acTables.map { acTables[$0]!.lookup }
        let quant = scan.components.map { UnsafePointer(componentQuantization[$0]!.pointer) }
        let planes = scan.components.map { samples[$0].pointer }
        let strides = scan.components.map { frame.components[$0].blocksPerLine * 8 }
        var predictions = [Int32](repeating: 0, count: count)
        let block = JPEG.Buffer<Int32>(count: 64, repeating: 0)
        let interval = restartInterval

        return try bytes.withUnsafeBufferPointer { buffer in
            var reader = JPEG.BitReader(base: buffer.baseAddress!, count: buffer.count, position: markers.position)
            var restartsLeft = interval
            for mcuY in 0..<layout.mcusPerColumn {
                for mcuX in 0..<layout.mcusPerLine {
                    if interval > 0 {
                        if restartsLeft == 0 {
                            guard !reader.hasOverrun else { throw JPEG.DecodingError.truncatedData(scan: scanNumber) }
                            reader.restart()
                            for i in 0..<count { predictions[i] = 0 }
                            restartsLeft = interval
                        }
                        restartsLeft -= 1
                    }
                    for i in 0..<count {
                        let across = layout.blocksAcross[i], down = layout.blocksDown[i]
                        for by in 0..<down {
                            for bx in 0..<across {
                                let hasAC = reader.decodeBlock(dc: dc[i], ac: ac[i], prediction: &predictions[i],
                                                               quant: quant[i], block: block.pointer)
                                guard let hasAC else { throw JPEG.DecodingError.invalidHuffmanCode(scan: scanNumber) }
                                let target = planes[i] + ((mcuY * down + by) * strides[i] + mcuX * across + bx) * 8
                                if hasAC {
                                    JPEG.IDCT.transform(block.pointer, into: target, stride: strides[i])
                                    block.pointer.update(repeating: 0, count: 64)
                                } else {
                                    JPEG.IDCT.transformDC(block.pointer[0], into: target, stride: strides[i])
                                }
                            }
                        }
                    }
                }
                guard !reader.hasOverrun else { throw JPEG.DecodingError.truncatedData(scan: scanNumber) }
            }
            return reader.position
        }
    }

    /// Decodes one scan of a progressive file into the stored coefficients.
    func decodeProgressiveHuffmanScan(_ scan: JPEG.Scan, _ frame: JPEG.Frame) throws -> Int {
        let layout = JPEG.ScanLayout(scan, frame)
        let scanNumber = scanCount
        let count = scan.components.count
        let dc = scan.components.indices.map { dcTables[scan.dcTables[$0]]?.lookup }
        let ac = scan.components.indices.map { acTables[scan.acTables[$0]]?.lookup }
        let stores = scan.components.map { coefficients[$0].pointer }
        let blocksPerLine = scan.components.map { frame.components[$0].blocksPerLine }
        var predictions = [Int32](repeating: 0, count: count)
        var endOfBandRun = 0
        let interval = restartInterval
        let (ss, se, al) = (scan.spectralStart, scan.spectralEnd, scan.approximationLow)

        return try bytes.withUnsafeBufferPointer { buffer in
            var reader = JPEG.BitReader(base: buffer.baseAddress!, count: buffer.count, position: markers.position)
            var restartsLeft = interval
            for mcuY in 0..<layout.mcusPerColumn {
                for mcuX in 0..<layout.mcusPerLine {
                    if interval > 0 {
                        if restartsLeft == 0 {
                            guard !reader.hasOverrun else { throw JPEG.DecodingError.truncatedData(scan: scanNumber) }
                            reader.restart()
                            for i in 0..<count { predictions[i] = 0 }
                            endOfBandRun = 0
                            restartsLeft = interval
                        }
                        restartsLeft -= 1
                    }
                    for i in 0..<count {
                        let across = layout.blocksAcross[i], down = layout.blocksDown[i]
                        for by in 0..<down {
                            for bx in 0..<across {
                                let block = stores[i] + ((mcuY * down + by) * blocksPerLine[i] + mcuX * across + bx) * 64
                                let ok: Bool
                                switch (scan.isDCScan, scan.isRefinement) {
                                case (true, false):
                                    ok = Self.decodeDCFirst(&reader, dc[i]!, &predictions[i], al, block)
                                case (true, true):
                                    if reader.bit() != 0 { block[0] |= Int16(truncatingIfNeeded: 1 << al) }
                                    ok = true
                                case (false, false):
                                    ok = Self.decodeACFirst(&reader, ac[i]!, &endOfBandRun, ss, se, al, block)
                                case (false, true):
                                    ok = Self.decodeACRefine(&reader, ac[i]!, &endOfBandRun, ss, se, al, block)
                                }
                                guard ok else { throw JPEG.DecodingError.invalidHuffmanCode(scan: scanNumber) }
                            }
                        }
                    }
                }
                guard !reader.hasOverrun else { throw JPEG.DecodingError.truncatedData(scan: scanNumber) }
            }
            return reader.position
        }
    }

    @inline(__always)
    static func decodeDCFirst(_ reader: inout JPEG.BitReader, _ table: Lookup, _ prediction: inout Int32,
                              _ al: Int, _ block: UnsafeMutablePointer<Int16>) -> Bool {
        let category = reader.decode(table)
        guard category >= 0 else { return false }
        prediction = prediction &+ Int32(truncatingIfNeeded: reader.receiveExtend(category))
        block[0] = Int16(truncatingIfNeeded: prediction &<< Int32(al))
        return true
    }

    static func decodeACFirst(_ reader: inout JPEG.BitReader, _ table: Lookup, _ endOfBandRun: inout Int,
                              _ ss: Int, _ se: Int, _ al: Int, _ block: UnsafeMutablePointer<Int16>) -> Bool {
        if endOfBandRun > 0 {
            endOfBandRun -= 1
            return true
        }
        let natural = JPEG.zigzagToNatural
        var k = ss
        while k <= se {
            let symbol = reader.decode(table)
            guard symbol >= 0 else { return false }
            let run = symbol >> 4, size = symbol & 15
            if size != 0 {
                k += run
                block[Int(natural[k])] = Int16(truncatingIfNeeded: reader.receiveExtend(size) << al)
            } else if run == 15 {
                k += 15
            } else {
                endOfBandRun = (1 << run) - 1
                if run > 0 { endOfBandRun += reader.bits(run) }
                break
            }
            k += 1
        }
        return true
    }

    /// G.1.2.3: refinement bits for coefficients already nonzero, and new ±1 coefficients.
    static func decodeACRefine(_ reader: inout JPEG.BitReader, _ table: Lookup, _ endOfBandRun: inout Int,
                               _ ss: Int, _ se: Int, _ al: Int, _ block: UnsafeMutablePointer<Int16>) -> Bool {
        let natural = JPEG.zigzagToNatural
        let plusOne = Int16(truncatingIfNeeded: 1 << al)
        let minusOne = Int16(truncatingIfNeeded: -1 << al)
        @inline(__always) func refine(_ z: Int, _ reader: inout JPEG.BitReader) {
            let coefficient = block[z]
            if reader.bit() != 0 && coefficient & plusOne == 0 {
                block[z] = coefficient >= 0 ? coefficient &+ plusOne : coefficient &+ minusOne
            }
        }
        var k = ss
        if endOfBandRun == 0 {
            while k <= se {
                let symbol = reader.decode(table)
                guard symbol >= 0 else { return false }
                var run = symbol >> 4
                let size = symbol & 15
                var value: Int16 = 0
                if size != 0 {
                    // size must be 1 here; other values are corrupt and treated as 1, like libjpeg.
                    value = reader.bit() != 0 ? plusOne : minusOne
                } else if run != 15 {
                    endOfBandRun = 1 << run
                    if run > 0 { endOfBandRun += reader.bits(run) }
                    break
                }
                while k <= se {
                    let z = Int(natural[k])
                    if block[z] != 0 {
                        refine(z, &reader)
                    } else {
                        if run == 0 { break }
                        run -= 1
                    }
                    k += 1
                }
                if value != 0 && k <= se { block[Int(natural[k])] = value }
                k += 1
            }
        }
        if endOfBandRun > 0 {
            while k <= se {
                let z = Int(natural[k])
                if block[z] != 0 { refine(z, &reader) }
                k += 1
            }
            endOfBandRun -= 1
        }
        return true
    }
}
