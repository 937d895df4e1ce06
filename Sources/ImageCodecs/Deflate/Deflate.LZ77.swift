/// The encoder's match finder: LZ77 over a 32 KiB window with hash chains and one step of lazy matching
/// (zlib's scheme), producing literal and (length, distance) tokens.
extension Deflate {
    struct LZ77 {
        /// A literal byte or a back reference, packed: bit 31 set marks a match with
        /// `length` in bits 16...24 and `distance` in bits 0...15.
        struct Token {
            let raw: UInt32
            static func literal(_ byte: UInt8) -> Token { Token(raw: UInt32(byte)) }
            static func match(length: Int, distance: Int) -> Token {
                Token(raw: 0x8000_0000 | UInt32(length) << 16 | UInt32(distance))
            }
            var isMatch: Bool { raw & 0x8000_0000 != 0 }
            var literal: Int { Int(raw & 0xFF) }
            var length: Int { Int((raw >> 16) & 0x1FF) }
            var distance: Int { Int(raw & 0xFFFF) }
        }

        /// How hard to search: chain positions visited per match, and a length that ends the search early.
        var maxChain = 64
        var niceLength = 128
        /// A held match at least this long is emitted without looking one byte further (zlib's max_lazy),
        /// and one at least `goodLength` long quarters the chain searched for a better one.
        var lazyLimit = 32
        var goodLength = 8

        private static let hashBits = 15

        /// Tokens for all of `input`, in order.
        func tokens(for input: UnsafeBufferPointer<UInt8>) -> [Token] {
            let n = input.count
            var tokens: [Token] = []
            tokens.reserveCapacity(n / 2 + 16)
            guard n >= DeflateFormat.minMatch, let base = input.baseAddress else {
                return input.map { Token.literal($0) }
            }
            let windowMask = DeflateFormat.windowSize - 1
            var head = [Int32](repeating: -1, count: 1 << Self.hashBits)
            var previous = [Int32](repeating: -1, count: DeflateFormat.windowSize)

            head.withUnsafeMutableBufferPointer { head in
                previous.withUnsafeMutableBufferPointer { previous in
                    @inline(__always) func hash(_ position: Int) -> Int {
                        let v = UInt32(base[position]) | UInt32(base[position + 1]) << 8 | UInt32(base[position + 2]) << 16
                        return Int((v &* 2_654_435_761) >> UInt32(32 - Self.hashBits))
                    }
                    @inline(__always) func insert(_ position: Int) {
                        guard position + 2 < n else { return }
                        let h = hash(position)
                        previous[position & windowMask] = head[h]
                        head[h] = Int32(position)
                    }
                    /// Longest match for `position` that beats `atLeast`: (length, distance), length 0 if none.
                    @inline(__always) func longestMatch(_ position: Int, atLeast: Int) -> (Int, Int) {
                        let limit = min(DeflateFormat.maxMatch, n - position)
                        // Nothing can beat a match that already reaches the limit (and probing past it would read
                        // beyond the input).
                        guard limit >= DeflateFormat.minMatch, atLeast < limit else { return (0, 0) }
                        var bestLength = atLeast
                        var bestDistance = 0
                        var candidate = Int(head[hash(position)])
                        var chain = atLeast >= goodLength ? maxChain >> 2 : maxChain
                        while candidate >= 0 && chain > 0 {
                            let distance = position - candidate
                            if distance > DeflateFormat.windowSize || distance <= 0 { break }
                            if base[candidate + bestLength] == base[position + bestLength] {
                                var length = 0
                                // Eight bytes at a time: the first differing byte is the lowest set byte of the XOR.
                                while length + 8 <= limit {
                                    let difference = UnsafeRawPointer(base + candidate + length).loadUnaligned(as: UInt64.self)
                                        ^ UnsafeRawPointer(base + position + length).loadUnaligned(as: UInt64.self)
                                    if difference != 0 {
                                        length += UInt64(littleEndian: difference).trailingZeroBitCount >> 3
                                        break
                                    }
                                    length += 8
                                }
                                if length + 8 > limit {
                                    while length < limit && base[candidate + length] == base[position + length] { length += 1 }
                                }
                                if length > bestLength {
                                    bestLength = length
                                    bestDistance = distance
                                    if length >= niceLength || length >= limit { break }
                                }
                            }
                            let next = Int(previous[candidate & windowMask])
                            if next >= candidate { break }
                            candidate = next
                            chain -= 1
                        }
                        return bestDistance > 0 && bestLength >= DeflateFormat.minMatch ? (bestLength, bestDistance) : (0, 0)
                    }

                    var position = 0
                    // A match found at the previous position, held back in case this one is longer (lazy).
                    var pending: (length: Int, distance: Int)? = nil
                    while position < n {
                        let searchFurther = (pending?.length ?? 0) < lazyLimit
                        let found = searchFurther && position + 2 < n
                            ? longestMatch(position, atLeast: max(pending?.length ?? 0, DeflateFormat.minMatch - 1))
                            : (0, 0)
                        if let held = pending {
                            if found.0 > held.length {
                                // The match one byte later is longer: emit that byte as a literal instead.
                                tokens.append(.literal(base[position - 1]))
                                pending = (found.0, found.1)
                                insert(position)
                                position += 1
                            } else {
                                tokens.append(.match(length: held.length, distance: held.distance))
                                // The held match started at position - 1; its bytes after this one get hashed.
                                let end = position - 1 + held.length
                                insert(position)
                                position += 1
                                while position < end {
                                    insert(position)
                                    position += 1
                                }
                                pending = nil
                            }
                        } else if found.0 >= DeflateFormat.minMatch {
                            pending = (found.0, found.1)
                            insert(position)
                            position += 1
                        } else {
                            tokens.append(.literal(base[position]))
                            insert(position)
                            position += 1
                        }
                    }
                    if let held = pending {
                        tokens.append(.match(length: held.length, distance: held.distance))
                    }
                }
            }
            return tokens
        }
    }
}
