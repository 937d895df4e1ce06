/// Huffman tables (DHT): canonical code construction with validation, a 9-bit fast lookup table
/// (stb_image's FAST_BITS idea) and, for AC tables, a second table that also decodes the run and the
/// coefficient value when code + magnitude bits fit in 9 bits.
extension JPEG {
    final class HuffmanTable {
        static let fastBits = 9
        static let fastSize = 1 << fastBits

        /// Raw pointers for the entropy decoder's hot loop; `HuffmanTable` owns the memory.
        struct Lookup {
            /// `length << 8 | symbol` for codes of at most `fastBits` bits, 0 when the code is longer.
            let fast: UnsafeMutablePointer<UInt16>
            /// `value << 16 | run << 8 | (code length + magnitude bits)`, 0 when not decodable in 9 bits.
            let fastAC: UnsafeMutablePointer<Int32>
            /// Largest code of each length 0...17 (-1 when none; index 17 is a sentinel).
            let maxCode: UnsafeMutablePointer<Int32>
            /// Symbol index = code + valueOffset[length].
            let valueOffset: UnsafeMutablePointer<Int32>
            /// The symbols, padded to 256 entries so any index & 0xFF is in bounds.
            let values: UnsafeMutablePointer<UInt8>
        }

        let lookup: Lookup

        /// Builds the table from DHT's 16 code-length counts and its symbols. Rejects over-subscribed
        /// code lengths and, for DC tables, magnitude categories above 15.
        init(counts: [Int], symbols: [UInt8], isDC: Bool) throws {
            precondition(counts.count == 16)
            let total = counts.reduce(0, +)
            guard total <= 256, total == symbols.count else {
                throw DecodingError.invalidHuffmanTable("\(total) codes declared, 256 at most")
            }
            if isDC, let bad = symbols.first(where: { $0 > 15 }) {
                throw DecodingError.invalidHuffmanTable("DC symbol \(bad) is not a magnitude category (0...15)")
            }
            // Canonical codes: lengths in order, each length's codes consecutive (T.81 Annex C).
            var sizes: [Int] = []
            for (index, count) in counts.enumerated() {
                sizes += Array(repeating: index + 1, count: count)
            }
            var codes = [Int](repeating: 0, count: sizes.count)
            var code = 0
            var p = 0
            for length in 1...16 {
                while p < sizes.count && sizes[p] == length {
                    codes[p] = code
                    code += 1
                    p += 1
                }
                // Like libjpeg: the all-ones code is reserved, so the next free code must still fit.
                guard code < 1 << length else {
                    throw DecodingError.invalidHuffmanTable("code lengths are over-subscribed at \(length) bits")
                }
                code <<= 1
            }

            lookup = Lookup(
                fast: .allocate(capacity: Self.fastSize),
                fastAC: .allocate(capacity: Self.fastSize),
                maxCode: .allocate(capacity: 18),
                valueOffset: .allocate(capacity: 18),
                values: .allocate(capacity: 256))
            lookup.fast.initialize(repeating: 0, count: Self.fastSize)
            lookup.fastAC.initialize(repeating: 0, count: Self.fastSize)
            lookup.maxCode.initialize(repeating: -1, count: 18)
            lookup.valueOffset.initialize(repeating: 0, count: 18)
            lookup.values.initialize(repeating: 0, count: 256)
            for (i, symbol) in symbols.enumerated() { lookup.values[i] = symbol }

            p = 0
            for length in 1...16 where counts[length - 1] > 0 {
                lookup.valueOffset[length] = Int32(p - codes[p])
                p += counts[length - 1]
                lookup.maxCode[length] = Int32(codes[p - 1])
            }
            lookup.maxCode[17] = Int32.max

            for (i, length) in sizes.enumerated() where length <= Self.fastBits {
                let shift = Self.fastBits - length
                let first = codes[i] << shift
                for entry in first..<(first + (1 << shift)) {
                    lookup.fast[entry] = UInt16(length << 8) | UInt16(symbols[i])
                }
            }
            if !isDC { buildFastAC() }
        }

        deinit {
            lookup.fast.deallocate()
            lookup.fastAC.deallocate()
            lookup.maxCode.deallocate()
            lookup.valueOffset.deallocate()
            lookup.values.deallocate()
        }

        private func buildFastAC() {
            for index in 0..<Self.fastSize {
                let entry = Int(lookup.fast[index])
                guard entry != 0 else { continue }
                let length = entry >> 8
                let run = (entry >> 4) & 15
                let magnitude = entry & 15
                guard magnitude != 0, length + magnitude <= Self.fastBits else { continue }
                let raw = (index >> (Self.fastBits - length - magnitude)) & ((1 << magnitude) - 1)
                let value = JPEG.extend(raw, bits: magnitude)
                lookup.fastAC[index] = Int32(value << 16) | Int32(run << 8) | Int32(length + magnitude)
            }
        }
    }

    /// T.81 F.2.2.1 EXTEND: `bits` raw bits of a magnitude category give a signed value.
    @inline(__always)
    static func extend(_ raw: Int, bits: Int) -> Int {
        raw < (1 << (bits - 1)) ? raw - (1 << bits) + 1 : raw
    }
}
