/// Marker-level parsing: finding markers, reading segment bodies, and the table and metadata segments
/// (DQT, DHT, DAC, DRI, APP0 JFIF, APP1 EXIF orientation, APP14 Adobe). Frame and scan headers are in
/// JPEG.Frame.swift.
extension JPEG {
    enum Marker {
        static let soi: UInt8 = 0xD8
        static let eoi: UInt8 = 0xD9
        static let sos: UInt8 = 0xDA
        static let dqt: UInt8 = 0xDB
        static let dri: UInt8 = 0xDD
        static let dht: UInt8 = 0xC4
        static let dac: UInt8 = 0xCC
        static let app0: UInt8 = 0xE0
        static let app1: UInt8 = 0xE1
        static let app14: UInt8 = 0xEE
        static let tem: UInt8 = 0x01

        static func isStartOfFrame(_ marker: UInt8) -> Bool {
            (0xC0...0xCF).contains(marker) && marker != dht && marker != dac && marker != 0xC8
        }

        static func isRestart(_ marker: UInt8) -> Bool { (0xD0...0xD7).contains(marker) }
    }

    /// Walks the bytes outside entropy-coded data.
    struct MarkerReader {
        let bytes: [UInt8]
        var position: Int

        /// The next marker code, skipping fill bytes and any stray data; nil at the end of the file.
        mutating func nextMarker() -> UInt8? {
            while position + 1 < bytes.count {
                if bytes[position] == 0xFF {
                    let code = bytes[position + 1]
                    if code == 0xFF { position += 1; continue }
                    position += 2
                    if code != 0 { return code }
                } else {
                    position += 1
                }
            }
            position = bytes.count
            return nil
        }

        /// The body of the segment that starts at `position` (after its marker); moves past it.
        mutating func segment(_ marker: UInt8) throws -> ArraySlice<UInt8> {
            guard position + 2 <= bytes.count else { throw DecodingError.truncatedSegment(marker: marker) }
            let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
            guard length >= 2 else { throw DecodingError.invalidSegmentLength(marker: marker, length: length) }
            guard position + length <= bytes.count else { throw DecodingError.truncatedSegment(marker: marker) }
            defer { position += length }
            return bytes[(position + 2)..<(position + length)]
        }
    }

    /// DQT: up to four tables, 8- or 16-bit, stored in zigzag order; returned in natural order.
    static func parseQuantizationTables(_ body: ArraySlice<UInt8>) throws -> [(index: Int, values: [Int32])] {
        var tables: [(index: Int, values: [Int32])] = []
        var p = body.startIndex
        while p < body.endIndex {
            let precision = Int(body[p] >> 4), index = Int(body[p] & 15)
            p += 1
            guard precision <= 1 else { throw DecodingError.invalidQuantizationTable("precision code \(precision)") }
            guard index < 4 else { throw DecodingError.invalidQuantizationTable("table index \(index) (0...3 allowed)") }
            let size = precision == 0 ? 64 : 128
            guard p + size <= body.endIndex else {
                throw DecodingError.invalidQuantizationTable("table \(index) is cut short")
            }
            var values = [Int32](repeating: 0, count: 64)
            for k in 0..<64 {
                let value = precision == 0 ? Int32(body[p + k]) : Int32(body[p + 2 * k]) << 8 | Int32(body[p + 2 * k + 1])
                values[Int(zigzagToNatural[k])] = value
            }
            p += size
            tables.append((index, values))
        }
        return tables
    }

    /// DHT: one or more tables, each with a class (DC/AC), an index, 16 counts and the symbols.
    static func parseHuffmanTables(_ body: ArraySlice<UInt8>) throws -> [(isDC: Bool, index: Int, table: HuffmanTable)] {
        var tables: [(isDC: Bool, index: Int, table: HuffmanTable)] = []
        var p = body.startIndex
        while p < body.endIndex {
            guard p + 17 <= body.endIndex else { throw DecodingError.invalidHuffmanTable("table header is cut short") }
            let tableClass = Int(body[p] >> 4), index = Int(body[p] & 15)
            guard tableClass <= 1, index < 4 else {
                throw DecodingError.invalidHuffmanTable("class \(tableClass) index \(index)")
            }
            let counts = (0..<16).map { Int(body[p + 1 + $0]) }
            let total = counts.reduce(0, +)
            p += 17
            guard p + total <= body.endIndex else { throw DecodingError.invalidHuffmanTable("symbols are cut short") }
            let table = try HuffmanTable(counts: counts, symbols: Array(body[p..<(p + total)]), isDC: tableClass == 0)
            p += total
            tables.append((tableClass == 0, index, table))
        }
        return tables
    }

    /// APP1 "Exif": the Orientation tag (0x0112) of IFD0, or nil when absent or malformed.
    static func parseExifOrientation(_ body: ArraySlice<UInt8>) -> Int? {
        let b = Array(body)
        guard b.count >= 14, b[0] == 0x45, b[1] == 0x78, b[2] == 0x69, b[3] == 0x66, b[4] == 0, b[5] == 0 else {
            return nil
        }
        let tiff = Array(b[6...])
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return littleEndian ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return littleEndian ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + 12 * entry
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(at + 2), type == 3, let value = u16(at + 8), (1...8).contains(value) else { return nil }
                return value
            }
        }
        return nil
    }

    /// T.81 Figure A.6: zigzag position → natural (row-major) position, padded with 63s so that a corrupt
    /// run that overshoots the block lands on the last coefficient (libjpeg does the same).
    nonisolated(unsafe) static let zigzagToNatural: UnsafePointer<Int32> = {
        let order: [Int32] = [
            0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
            12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
            35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
            58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
        ] + Array(repeating: 63, count: 16)
        let pointer = UnsafeMutablePointer<Int32>.allocate(capacity: order.count)
        pointer.initialize(from: order, count: order.count)
        return UnsafePointer(pointer)
    }()
}
