/// The bit reader of Huffman-coded scans: a 64-bit MSB-first buffer over the entropy-coded bytes,
/// with byte-stuffing (0xFF 0x00) removed. At a marker or the end of the file it feeds zeros, as libjpeg
/// does, and counts them so that the decoder can tell a truncated scan from a complete one.
extension JPEG {
    struct BitReader {
        let base: UnsafePointer<UInt8>
        let end: Int
        /// Next byte to load; stops at the 0xFF of a marker.
        private(set) var position: Int
        private var bits: UInt64 = 0
        private var bitCount = 0
        private var paddingBytes = 0
        private var atMarker = false

        init(base: UnsafePointer<UInt8>, count: Int, position: Int) {
            self.base = base
            self.end = count
            self.position = position
        }

        /// True once the decoder has consumed zero bits that were not in the file.
        var hasOverrun: Bool { paddingBytes * 8 > bitCount }

        @inline(__always)
        mutating func refill() {
            // Fast path: when the next 8 bytes hold no 0xFF (no stuffing, no marker), take as many
            // whole bytes as fit in one go.
            if position + 8 <= end && !atMarker {
                let word = UInt64(bigEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
                let inverted = ~word
                let hasFF = (inverted &- 0x0101_0101_0101_0101) & ~inverted & 0x8080_8080_8080_8080
                if hasFF == 0 {
                    let count = (64 - bitCount) >> 3
                    let kept = word & ~(UInt64.max >> UInt64(count << 3))
                    bits |= kept >> UInt64(bitCount)
                    bitCount += count << 3
                    position += count
                    return
                }
            }
            refillSlow()
        }

        @inline(never)
        private mutating func refillSlow() {
            while bitCount <= 56 {
                var byte: UInt64 = 0
                if !atMarker && position < end {
                    let value = base[position]
                    if value != 0xFF {
                        byte = UInt64(value)
                        position += 1
                    } else if position + 1 < end && base[position + 1] == 0 {
                        byte = 0xFF
                        position += 2
                    } else {
                        atMarker = true
                        paddingBytes += 1
                    }
                } else {
                    paddingBytes += 1
                }
                bits |= byte << UInt64(56 - bitCount)
                bitCount += 8
            }
        }

        /// The next `count` (1...16) bits without consuming them; the buffer must hold them.
        @inline(__always)
        func peek(_ count: Int) -> Int {
            Int(truncatingIfNeeded: bits >> UInt64(64 - count))
        }

        @inline(__always)
        mutating func skip(_ count: Int) {
            bits <<= UInt64(count)
            bitCount -= count
        }

        @inline(__always)
        mutating func ensure(_ count: Int) {
            if bitCount < count { refill() }
        }

        /// Reads `count` (0...16) bits as an unsigned number.
        @inline(__always)
        mutating func bits(_ count: Int) -> Int {
            guard count > 0 else { return 0 }
            ensure(count)
            let value = peek(count)
            skip(count)
            return value
        }

        @inline(__always)
        mutating func bit() -> Int { bits(1) }

        /// Decodes one Huffman symbol, or returns -1 for a code the table does not hold.
        @inline(__always)
        mutating func decode(_ table: HuffmanTable.Lookup) -> Int {
            ensure(16)
            let entry = Int(table.fast[peek(HuffmanTable.fastBits)])
            if entry != 0 {
                skip(entry >> 8)
                return entry & 0xFF
            }
            return decodeSlow(table)
        }

        /// Codes longer than the fast table: compare with each length's largest code (libjpeg's way).
        @inline(never)
        mutating func decodeSlow(_ table: HuffmanTable.Lookup) -> Int {
            let code16 = peek(16)
            var length = HuffmanTable.fastBits + 1
            while length <= 16 {
                let code = code16 >> (16 - length)
                if code <= Int(table.maxCode[length]) {
                    skip(length)
                    return Int(table.values[(code + Int(table.valueOffset[length])) & 0xFF])
                }
                length += 1
            }
            return -1
        }

        /// Reads a magnitude category's raw bits and sign-extends them (RECEIVE + EXTEND).
        @inline(__always)
        mutating func receiveExtend(_ count: Int) -> Int {
            guard count > 0 else { return 0 }
            return JPEG.extend(bits(count), bits: count)
        }

        /// Decodes one sequential block into `block` (dequantised, natural order; zero on entry).
        /// Returns whether any AC coefficient was coded, or nil for an invalid Huffman code. The AC loop
        /// first tries the table that decodes run and value together from 9 bits.
        @inline(__always)
        mutating func decodeBlock(dc: HuffmanTable.Lookup, ac: HuffmanTable.Lookup, prediction: inout Int32,
                                  quant: UnsafePointer<Int32>, block: UnsafeMutablePointer<Int32>) -> Bool? {
            let category = decode(dc)
            guard category >= 0 else { return nil }
            prediction = prediction &+ Int32(truncatingIfNeeded: receiveExtend(category))
            block[0] = Int32(Int16(truncatingIfNeeded: prediction)) &* quant[0]
            let natural = JPEG.zigzagToNatural
            var hasAC = false
            var k = 1
            while k < 64 {
                if bitCount < 16 { refill() }
                let fast = ac.fastAC[peek(HuffmanTable.fastBits)]
                if fast != 0 {
                    skip(Int(fast & 0xFF))
                    k += Int((fast >> 8) & 0xFF)
                    let z = Int(natural[k])
                    block[z] = (fast >> 16) &* quant[z]
                    k += 1
                    hasAC = true
                    continue
                }
                let symbol = decode(ac)
                guard symbol >= 0 else { return nil }
                let run = symbol >> 4, size = symbol & 15
                if size == 0 {
                    if run != 15 { break }
                    k += 16
                    continue
                }
                k += run
                let z = Int(natural[k])
                block[z] = Int32(truncatingIfNeeded: receiveExtend(size)) &* quant[z]
                k += 1
                hasAC = true
            }
            return hasAC
        }

        /// At a restart point: drops the buffered bits and consumes the next RSTn marker if there is one.
        /// A missing or misplaced marker is tolerated: decoding goes on from the next marker, in sync.
        mutating func restart() {
            bits = 0
            bitCount = 0
            paddingBytes = 0
            atMarker = false
            var p = position
            // Skip whatever entropy bytes are left before the marker (there are none in a clean file).
            while p < end {
                if base[p] == 0xFF {
                    var q = p + 1
                    while q < end && base[q] == 0xFF { q += 1 }
                    if q >= end { p = end; break }
                    let marker = base[q]
                    if marker == 0 { p = q + 1; continue }
                    if (0xD0...0xD7).contains(marker) { p = q + 1 } else { atMarker = true; p = q - 1 }
                    break
                }
                p += 1
            }
            position = p
        }
    }
}
