/// Arithmetic-coded scans (SOF9 sequential, SOF10 progressive): the QM-coder of T.81 Annex D with the
/// probability estimation state machine of Table D.3, and the decoding procedures of F.2.4 and G.2
/// (statistics bins laid out as in libjpeg's jdarith.c: 64 DC bins and 256 AC bins per table).
extension JPEG {
    /// Table D.3, packed as `Qe << 16 | nextMPS << 8 | switchMPS << 7 | nextLPS`, padded to 128 states.
    /// The last real entry (113) is the fixed 0.5 estimate used for sign and refinement bits.
    nonisolated(unsafe) static let probabilityStates: UnsafePointer<Int> = {
        let qe: [Int] = [
            0x5A1D, 0x2586, 0x1114, 0x080B, 0x03D8, 0x01DA, 0x00E5, 0x006F, 0x0036, 0x001A, 0x000D, 0x0006,
            0x0003, 0x0001, 0x5A7F, 0x3F25, 0x2CF2, 0x207C, 0x17B9, 0x1182, 0x0CEF, 0x09A1, 0x072F, 0x055C,
            0x0406, 0x0303, 0x0240, 0x01B1, 0x0144, 0x00F5, 0x00B7, 0x008A, 0x0068, 0x004E, 0x003B, 0x002C,
            0x5AE1, 0x484C, 0x3A0D, 0x2EF1, 0x261F, 0x1F33, 0x19A8, 0x1518, 0x1177, 0x0E74, 0x0BFB, 0x09F8,
            0x0861, 0x0706, 0x05CD, 0x04DE, 0x040F, 0x0363, 0x02D4, 0x025C, 0x01F8, 0x01A4, 0x0160, 0x0125,
            0x00F6, 0x00CB, 0x00AB, 0x008F, 0x5B12, 0x4D04, 0x412C, 0x37D8, 0x2FE8, 0x293C, 0x2379, 0x1EDF,
            0x1AA9, 0x174E, 0x1424, 0x119C, 0x0F6B, 0x0D51, 0x0BB6, 0x0A40, 0x5832, 0x4D1C, 0x438E, 0x3BDD,
            0x34EE, 0x2EAE, 0x299A, 0x2516, 0x5570, 0x4CA9, 0x44D9, 0x3E22, 0x3824, 0x32B4, 0x2E17, 0x56A8,
            0x4F46, 0x47E5, 0x41CF, 0x3C3D, 0x375E, 0x5231, 0x4C0F, 0x4639, 0x415E, 0x5627, 0x50E7, 0x4B85,
            0x5597, 0x504F, 0x5A10, 0x5522, 0x59EB, 0x5A1D,
        ]
        let nextLPS: [Int] = [
            1, 14, 16, 18, 20, 23, 25, 28, 30, 33, 35, 9, 10, 12, 15, 36, 38, 39, 40, 42, 43, 45, 46, 48,
            49, 51, 52, 54, 56, 57, 59, 60, 62, 63, 32, 33, 37, 64, 65, 67, 68, 69, 70, 72, 73, 74, 75, 77,
            78, 79, 48, 50, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 61, 61, 65, 80, 81, 82, 83, 84, 86, 87,
            87, 72, 72, 74, 74, 75, 77, 77, 80, 88, 89, 90, 91, 92, 93, 86, 88, 95, 96, 97, 99, 99, 93, 95,
            101, 102, 103, 104, 99, 105, 106, 107, 103, 105, 108, 109, 110, 111, 110, 112, 112, 113,
        ]
        let nextMPS: [Int] = [
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
            25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 9, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
            49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 32, 65, 66, 67, 68, 69, 70, 71, 72,
            73, 74, 75, 76, 77, 78, 79, 48, 81, 82, 83, 84, 85, 86, 87, 71, 89, 90, 91, 92, 93, 94, 86, 96,
            97, 98, 99, 100, 93, 102, 103, 104, 99, 106, 107, 103, 109, 107, 111, 109, 111, 113,
        ]
        let switchMPS: Set<Int> = [0, 14, 36, 64, 80, 88, 95, 105, 110, 112]
        let table = UnsafeMutablePointer<Int>.allocate(capacity: 128)
        table.initialize(repeating: 0x5A1D << 16 | 113 << 8 | 113, count: 128)
        for i in 0..<qe.count {
            table[i] = qe[i] << 16 | nextMPS[i] << 8 | (switchMPS.contains(i) ? 0x80 : 0) | nextLPS[i]
        }
        return UnsafePointer(table)
    }()

    /// The QM decoder's registers and its input (T.81 D.2, with libjpeg's register layout).
    struct ArithmeticReader {
        let base: UnsafePointer<UInt8>
        let end: Int
        private(set) var position: Int
        private var c = 0
        private var a = 0
        private var ct = -16
        private var atMarker = false

        init(base: UnsafePointer<UInt8>, count: Int, position: Int) {
            self.base = base
            self.end = count
            self.position = position
        }

        /// Decodes one binary decision with the adaptive state `state` (updated in place).
        mutating func decode(_ state: UnsafeMutablePointer<UInt8>) -> Int {
            while a < 0x8000 {
                ct -= 1
                if ct < 0 {
                    c = (c &<< 8) | nextByte()
                    ct += 8
                    if ct < 0 {
                        ct += 1
                        if ct == 0 { a = 0x8000 }    // the two initial bytes are in
                    }
                }
                a <<= 1
            }
            var sv = Int(state.pointee)
            let entry = JPEG.probabilityStates[sv & 0x7F]
            let qe = entry >> 16
            let nextLPS = entry & 0xFF, nextMPS = (entry >> 8) & 0xFF
            var temp = a - qe
            a = temp
            temp = temp &<< ct
            if c >= temp {
                c -= temp
                if a < qe {
                    a = qe
                    state.pointee = UInt8((sv & 0x80) ^ nextMPS)
                } else {
                    a = qe
                    state.pointee = UInt8((sv & 0x80) ^ nextLPS)
                    sv ^= 0x80
                }
            } else if a < 0x8000 {
                if a < qe {
                    state.pointee = UInt8((sv & 0x80) ^ nextLPS)
                    sv ^= 0x80
                } else {
                    state.pointee = UInt8((sv & 0x80) ^ nextMPS)
                }
            }
            return sv >> 7
        }

        /// Unstuffs one byte; at a marker or the end of the file, zeros (legal in arithmetic coding).
        private mutating func nextByte() -> Int {
            guard !atMarker, position < end else { return 0 }
            let value = base[position]
            position += 1
            guard value == 0xFF else { return Int(value) }
            while position < end && base[position] == 0xFF { position += 1 }
            if position < end && base[position] == 0 {
                position += 1
                return 0xFF
            }
            atMarker = true
            position -= 1
            return 0
        }

        /// At a restart point: resynchronises on the next RSTn marker and resets the registers.
        mutating func restart() {
            var bits = BitReader(base: base, count: end, position: position)
            bits.restart()
            position = bits.position
            atMarker = bits.position < end && base[bits.position] == 0xFF
                && bits.position + 1 < end && !Marker.isRestart(base[bits.position + 1])
            c = 0
            a = 0
            ct = -16
        }
    }
}

extension JPEG.Decoder {
    /// Decodes one arithmetic-coded scan (sequential or progressive) into the stored coefficients.
    func decodeArithmeticScan(_ scan: JPEG.Scan, _ frame: JPEG.Frame) throws -> Int {
        let layout = JPEG.ScanLayout(scan, frame)
        let scanNumber = scanCount
        let count = scan.components.count
        let stores = scan.components.map { coefficients[$0].pointer }
        let blocksPerLine = scan.components.map { frame.components[$0].blocksPerLine }
        let dcStats = JPEG.Buffer<UInt8>(count: 4 * 64, repeating: 0)
        let acStats = JPEG.Buffer<UInt8>(count: 4 * 256, repeating: 0)
        let fixedBin = JPEG.Buffer<UInt8>(count: 1, repeating: 113)
        var lastDC = [Int32](repeating: 0, count: count)
        var dcContext = [Int](repeating: 0, count: count)
        let progressive = frame.isProgressive
        let (ss, se, al) = progressive ? (scan.spectralStart, scan.spectralEnd, scan.approximationLow) : (0, 63, 0)
        let decodesDC = !progressive || (scan.isDCScan && !scan.isRefinement)
        let decodesAC = !progressive || !scan.isDCScan

        func resetStatistics() {
            for i in 0..<count {
                if decodesDC {
                    (dcStats.pointer + scan.dcTables[i] * 64).update(repeating: 0, count: 64)
                    lastDC[i] = 0
                    dcContext[i] = 0
                }
                if decodesAC { (acStats.pointer + scan.acTables[i] * 256).update(repeating: 0, count: 256) }
            }
        }
        resetStatistics()
        let interval = restartInterval

        return try bytes.withUnsafeBufferPointer { buffer in
            var reader = JPEG.ArithmeticReader(base: buffer.baseAddress!, count: buffer.count, position: markers.position)
            var restartsLeft = interval
            for mcuY in 0..<layout.mcusPerColumn {
                for mcuX in 0..<layout.mcusPerLine {
                    if interval > 0 {
                        if restartsLeft == 0 {
                            reader.restart()
                            resetStatistics()
                            restartsLeft = interval
                        }
                        restartsLeft -= 1
                    }
                    for i in 0..<count {
                        let across = layout.blocksAcross[i], down = layout.blocksDown[i]
                        let dc = dcStats.pointer + scan.dcTables[i] * 64
                        let ac = acStats.pointer + scan.acTables[i] * 256
                        for by in 0..<down {
                            for bx in 0..<across {
                                let block = stores[i] + ((mcuY * down + by) * blocksPerLine[i] + mcuX * across + bx) * 64
                                var ok = true
                                if !progressive {
                                    decodeDC(&reader, dc, scan.dcTables[i], &lastDC[i], &dcContext[i], 0, block)
                                    ok = decodeACFirst(&reader, ac, scan.acTables[i], fixedBin.pointer, 1, 63, 0, block)
                                } else if scan.isDCScan {
                                    if scan.isRefinement {
                                        if reader.decode(fixedBin.pointer) != 0 {
                                            block[0] |= Int16(truncatingIfNeeded: 1 << al)
                                        }
                                    } else {
                                        decodeDC(&reader, dc, scan.dcTables[i], &lastDC[i], &dcContext[i], al, block)
                                    }
                                } else if scan.isRefinement {
                                    ok = decodeACRefine(&reader, ac, fixedBin.pointer, ss, se, al, block)
                                } else {
                                    ok = decodeACFirst(&reader, ac, scan.acTables[i], fixedBin.pointer, ss, se, al, block)
                                }
                                guard ok else { throw JPEG.DecodingError.invalidArithmeticCode(scan: scanNumber) }
                            }
                        }
                    }
                }
            }
            return reader.position
        }
    }

    /// F.2.4.1: the DC difference, conditioned on the previous difference's size (DAC L and U).
    private func decodeDC(_ reader: inout JPEG.ArithmeticReader, _ stats: UnsafeMutablePointer<UInt8>, _ table: Int,
                          _ lastDC: inout Int32, _ context: inout Int, _ al: Int, _ block: UnsafeMutablePointer<Int16>) {
        var st = stats + context
        if reader.decode(st) == 0 {
            context = 0
        } else {
            let sign = reader.decode(st + 1)
            st += 2 + sign
            var m = reader.decode(st)
            if m != 0 {
                st = stats + 20
                while reader.decode(st) != 0 {
                    m <<= 1
                    if m == 0x8000 { break }    // corrupt magnitude: stop growing
                    st += 1
                }
            }
            let (low, high) = arithmeticDC[table]
            if m < (1 << low) >> 1 {
                context = 0
            } else if m > (1 << high) >> 1 {
                context = 12 + sign * 4
            } else {
                context = 4 + sign * 4
            }
            var v = m
            st += 14
            m >>= 1
            while m != 0 {
                if reader.decode(st) != 0 { v |= m }
                m >>= 1
            }
            v += 1
            lastDC = lastDC &+ Int32(sign != 0 ? -v : v)
        }
        block[0] = Int16(truncatingIfNeeded: lastDC &<< Int32(al))
    }

    /// F.2.4.2 / G.2: AC coefficients ss...se of a sequential block or a first progressive scan.
    private func decodeACFirst(_ reader: inout JPEG.ArithmeticReader, _ stats: UnsafeMutablePointer<UInt8>, _ table: Int,
                               _ fixed: UnsafeMutablePointer<UInt8>, _ ss: Int, _ se: Int, _ al: Int,
                               _ block: UnsafeMutablePointer<Int16>) -> Bool {
        let natural = JPEG.zigzagToNatural
        let kLimit = arithmeticAC[table]
        var k = ss
        while k <= se {
            var st = stats + 3 * (k - 1)
            if reader.decode(st) != 0 { break }     // end of block
            while reader.decode(st + 1) == 0 {
                st += 3
                k += 1
                if k > se { return false }
            }
            let sign = reader.decode(fixed)
            st += 2
            var m = reader.decode(st)
            if m != 0 && reader.decode(st) != 0 {
                m <<= 1
                st = stats + (k <= kLimit ? 189 : 217)
                while reader.decode(st) != 0 {
                    m <<= 1
                    if m == 0x8000 { return false }
                    st += 1
                }
            }
            var v = m
            st += 14
            m >>= 1
            while m != 0 {
                if reader.decode(st) != 0 { v |= m }
                m >>= 1
            }
            v += 1
            block[Int(natural[k])] = Int16(truncatingIfNeeded: (sign != 0 ? -v : v) << al)
            k += 1
        }
        return true
    }

    /// G.2 refinement of AC coefficients ss...se.
    private func decodeACRefine(_ reader: inout JPEG.ArithmeticReader, _ stats: UnsafeMutablePointer<UInt8>,
                                _ fixed: UnsafeMutablePointer<UInt8>, _ ss: Int, _ se: Int, _ al: Int,
                                _ block: UnsafeMutablePointer<Int16>) -> Bool {
        let natural = JPEG.zigzagToNatural
        let plusOne = Int16(truncatingIfNeeded: 1 << al), minusOne = Int16(truncatingIfNeeded: -1 << al)
        // End of the band as coded by the previous stage.
        var previousEnd = se
        while previousEnd > 0 && block[Int(natural[previousEnd])] == 0 { previousEnd -= 1 }
        var k = ss
        while k <= se {
            var st = stats + 3 * (k - 1)
            if k > previousEnd && reader.decode(st) != 0 { break }
            while true {
                let z = Int(natural[k])
                let coefficient = block[z]
                if coefficient != 0 {
                    if reader.decode(st + 2) != 0 {
                        block[z] = coefficient < 0 ? coefficient &+ minusOne : coefficient &+ plusOne
                    }
                    break
                }
                if reader.decode(st + 1) != 0 {
                    block[z] = reader.decode(fixed) != 0 ? minusOne : plusOne
                    break
                }
                st += 3
                k += 1
                if k > se { return false }
            }
            k += 1
        }
        return true
    }
}
