/// Length-limited Huffman codes for the encoder: code lengths from symbol frequencies, and the canonical
/// codes those lengths define (RFC 1951 §3.2.2), bit-reversed for least-significant-first writing.
extension Deflate {
    enum HuffmanCodeBuilder {
        /// Code lengths for `frequencies`, none longer than `limit`. Unused symbols get length 0. At least two
        /// symbols always get a code (a lone used symbol is paired with another), so the code is complete,
        /// which every inflater accepts.
        static func codeLengths(frequencies: [Int], limit: Int) -> [UInt8] {
            var lengths = [UInt8](repeating: 0, count: frequencies.count)
            var used = frequencies.indices.filter { frequencies[$0] > 0 }
            if used.count < 2 {
                used = used.first.map { [$0, $0 == 0 ? 1 : 0] } ?? [0, 1]
                for symbol in used { lengths[symbol] = 1 }
                return lengths
            }
            used.sort { (frequencies[$0], $0) < (frequencies[$1], $1) }

            // Two-queue Huffman construction: leaves (sorted) and internal nodes (created in weight order).
            let leafCount = used.count
            var weight = used.map { frequencies[$0] } + [Int](repeating: 0, count: leafCount - 1)
            var parent = [Int](repeating: -1, count: 2 * leafCount - 1)
            var nextLeaf = 0
            var nextInternal = leafCount
            var created = leafCount
            func takeSmallest() -> Int {
                if nextLeaf < leafCount && (nextInternal >= created || weight[nextLeaf] <= weight[nextInternal]) {
                    nextLeaf += 1
                    return nextLeaf - 1
                }
                nextInternal += 1
                return nextInternal - 1
            }
            while created < 2 * leafCount - 1 {
                let a = takeSmallest()
                let b = takeSmallest()
                weight[created] = weight[a] + weight[b]
                parent[a] = created
                parent[b] = created
                created += 1
            }
            // Depths: the root is the last node; parents always come after their children.
            var depth = [Int](repeating: 0, count: 2 * leafCount - 1)
            for node in stride(from: 2 * leafCount - 3, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }

            var countOfLength = [Int](repeating: 0, count: max(limit, depth.max() ?? 0) + 1)
            for leaf in 0..<leafCount { countOfLength[depth[leaf]] += 1 }
            enforce(limit: limit, on: &countOfLength)

            // The least frequent symbols take the longest codes.
            var symbolIndex = 0
            for length in stride(from: limit, through: 1, by: -1) {
                for _ in 0..<countOfLength[length] {
                    lengths[used[symbolIndex]] = UInt8(length)
                    symbolIndex += 1
                }
            }
            return lengths
        }

        /// Folds codes longer than `limit` into `limit`, then lengthens shorter codes until the Kraft sum is
        /// exactly one again (the rebalancing miniz and others use; optimal enough for deflate).
        private static func enforce(limit: Int, on countOfLength: inout [Int]) {
            guard countOfLength.count > limit + 1 else { return }
            for length in (limit + 1)..<countOfLength.count {
                countOfLength[limit] += countOfLength[length]
                countOfLength[length] = 0
            }
            var kraft = 0
            for length in 1...limit { kraft += countOfLength[length] << (limit - length) }
            while kraft > 1 << limit {
                countOfLength[limit] -= 1
                for length in stride(from: limit - 1, through: 1, by: -1) where countOfLength[length] > 0 {
                    countOfLength[length] -= 1
                    countOfLength[length + 1] += 2
                    break
                }
                kraft -= 1
            }
        }

        /// Canonical codes for `lengths`, each already bit-reversed so it can be written LSB first.
        static func reversedCodes(lengths: [UInt8]) -> [UInt32] {
            var countOfLength = [Int](repeating: 0, count: 16)
            for length in lengths where length > 0 { countOfLength[Int(length)] += 1 }
            var nextCode = [UInt32](repeating: 0, count: 16)
            var code: UInt32 = 0
            for length in 1..<16 {
                code = (code + UInt32(countOfLength[length - 1])) << 1
                nextCode[length] = code
            }
            return lengths.map { length in
                guard length > 0 else { return 0 }
                let code = nextCode[Int(length)]
                nextCode[Int(length)] += 1
                return reverse(code, bitCount: Int(length))
            }
        }

        static func reverse(_ code: UInt32, bitCount: Int) -> UInt32 {
            var reversed: UInt32 = 0
            var value = code
            for _ in 0..<bitCount {
                reversed = reversed << 1 | (value & 1)
                value >>= 1
            }
            return reversed
        }
    }
}
