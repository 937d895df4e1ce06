/// Reads deflate's least-significant-bit-first fields from a byte buffer through a 64-bit buffer.
///
/// Past the end of the input it supplies zero bytes (so the hot loop needs no end checks) and counts
/// them; consuming any of those padding bits is reported as truncation on the next refill or rewind.
extension Inflate {
    struct BitReader {
        private let input: UnsafePointer<UInt8>
        private let count: Int
        /// Next input byte to move into `buffer`.
        private(set) var position = 0
        private(set) var buffer: UInt64 = 0
        private(set) var bitCount = 0
        /// Zero bytes appended after the end of the input (they sit at the top of `buffer`).
        private var padding = 0

        init(_ input: UnsafeBufferPointer<UInt8>) {
            // A dummy address for empty input: nothing is ever read through it.
            self.input = input.baseAddress ?? UnsafePointer(bitPattern: 1)!
            self.count = input.count
        }

        /// Fills the buffer to at least 56 bits.
        @inline(__always)
        mutating func refill() throws(InflateError) {
            if position + 8 <= count {
                let word = UnsafeRawPointer(input + position).loadUnaligned(as: UInt64.self)
                buffer |= UInt64(littleEndian: word) << UInt64(bitCount)
                position += (63 - bitCount) >> 3
                bitCount |= 56
            } else {
                try refillNearEnd()
            }
        }

        private mutating func refillNearEnd() throws(InflateError) {
            if padding * 8 > bitCount { throw .unexpectedEndOfInput }
            while bitCount <= 56 {
                if position < count {
                    buffer |= UInt64(input[position]) << UInt64(bitCount)
                    position += 1
                } else {
                    padding += 1
                }
                bitCount += 8
            }
        }

        /// The next `n` bits without consuming them (the buffer must hold them: call `refill` first).
        @inline(__always)
        func peek(_ n: Int) -> UInt64 { buffer & ((1 << UInt64(n)) &- 1) }

        @inline(__always)
        mutating func consume(_ n: Int) {
            buffer >>= UInt64(n)
            bitCount -= n
        }

        /// Reads `n` (at most 32) bits.
        @inline(__always)
        mutating func read(_ n: Int) throws(InflateError) -> Int {
            if bitCount < n { try refill() }
            let value = Int(peek(n))
            consume(n)
            return value
        }

        /// Drops the bits up to the next byte boundary and returns the input index of the next unread byte,
        /// emptying the buffer so bytes can be read directly. Throws if padding was consumed.
        mutating func alignAndRewind() throws(InflateError) -> Int {
            consume(bitCount & 7)
            let bufferedRealBytes = bitCount / 8 - padding
            guard bufferedRealBytes >= 0 else { throw .unexpectedEndOfInput }
            position -= bufferedRealBytes
            buffer = 0
            bitCount = 0
            padding = 0
            return position
        }

        /// Continues reading bits at input index `index` (after bytes were taken directly).
        mutating func seek(to index: Int) {
            position = index
            buffer = 0
            bitCount = 0
            padding = 0
        }
    }
}
