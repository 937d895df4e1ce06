/// A canonical Huffman code for decoding (RFC 1951 §3.2.2): a table indexed by the next `fastBits` input
/// bits resolves every code up to that length in one lookup (stb_image's FAST_BITS idea); longer codes
/// are walked length by length.
extension Inflate {
    struct HuffmanTable: Sendable {
        static let fastBits = 11
        static let fastMask: UInt64 = (1 << UInt64(fastBits)) - 1

        /// Indexed by the next `fastBits` bits: `symbol << 4 | length`, or 0 when the code is longer.
        private(set) var fast: [UInt16]
        private var countOfLength: [Int]
        /// Symbols in canonical code order.
        private var sortedSymbols: [UInt16]

        /// Builds the code for `lengths` (one per symbol, 0 = unused). Over-subscribed codes are rejected;
        /// incomplete ones too, except a single code of length 1, which RFC 1951 allows and zlib accepts.
        init(lengths: ArraySlice<UInt8>, code: InflateError.Code) throws(InflateError) {
            var countOfLength = [Int](repeating: 0, count: 16)
            for length in lengths { countOfLength[Int(length)] += 1 }
            countOfLength[0] = 0
            var left = 1
            for length in 1...15 {
                left = left << 1 - countOfLength[length]
                if left < 0 { throw .oversubscribedCode(code) }
            }
            let used = countOfLength.reduce(0, +)
            if left > 0 && !(used == 1 && countOfLength[1] == 1) {
                // A literal-only block needs no distance codes at all.
                if !(used == 0 && code == .distance) { throw .incompleteCode(code) }
            }

            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<15 { offsets[length + 1] = offsets[length] + countOfLength[length] }
            var sortedSymbols = [UInt16](repeating: 0, count: used)
            var fast = [UInt16](repeating: 0, count: 1 << Self.fastBits)
            var nextCode = [Int](repeating: 0, count: 16)
            var code = 0
            for length in 1...15 {
                code = (code + countOfLength[length - 1]) << 1
                nextCode[length] = code
            }
            for (index, length) in lengths.enumerated() where length > 0 {
                let symbol = index
                let length = Int(length)
                sortedSymbols[offsets[length]] = UInt16(symbol)
                offsets[length] += 1
                let canonical = nextCode[length]
                nextCode[length] += 1
                guard length <= Self.fastBits else { continue }
                var reversed = 0
                for bit in 0..<length where canonical & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
                let entry = UInt16(symbol << 4 | length)
                var slot = reversed
                while slot < 1 << Self.fastBits {
                    fast[slot] = entry
                    slot += 1 << length
                }
            }
            self.fast = fast
            self.countOfLength = countOfLength
            self.sortedSymbols = sortedSymbols
        }

        /// Decodes a code longer than `fastBits` (or an invalid one) from the low bits of `bits`:
        /// (symbol, length), or nil when the bits match no code.
        func decodeSlowly(_ bits: UInt64) -> (symbol: Int, length: Int)? {
            var code = 0
            var first = 0
            var index = 0
            for length in 1...15 {
                code |= Int((bits >> UInt64(length - 1)) & 1)
                let count = countOfLength[length]
                if code - first < count { return (Int(sortedSymbols[index + code - first]), length) }
                index += count
                first = (first + count) << 1
                code <<= 1
            }
            return nil
        }

        static let fixedLiteralLength = try! HuffmanTable(lengths: DeflateFormat.fixedLiteralLengths[...], code: .literalLength)
        static let fixedDistance = try! HuffmanTable(lengths: DeflateFormat.fixedDistanceLengths[...], code: .distance)
    }
}
