/// Appends bit fields least-significant bit first, the order deflate packs them in.
extension Deflate {
    struct BitWriter {
        private(set) var bytes: [UInt8] = []
        private var buffer: UInt64 = 0
        private var count = 0

        init(reservingCapacity capacity: Int = 0) {
            bytes.reserveCapacity(capacity)
        }

        /// Writes the low `bitCount` (at most 32) bits of `value`.
        @inline(__always)
        mutating func write(_ value: UInt32, bitCount: Int) {
            buffer |= UInt64(value) << UInt64(count)
            count += bitCount
            while count >= 8 {
                bytes.append(UInt8(truncatingIfNeeded: buffer))
                buffer >>= 8
                count -= 8
            }
        }

        /// Pads with zero bits to the next byte boundary.
        mutating func alignToByte() {
            if count > 0 { write(0, bitCount: 8 - count) }
        }

        /// Appends whole bytes; the writer must be byte aligned.
        mutating func append<C: Collection>(contentsOf raw: C) where C.Element == UInt8 {
            precondition(count == 0, "BitWriter.append needs byte alignment")
            bytes.append(contentsOf: raw)
        }

        /// The bytes written, the last one padded with zero bits.
        mutating func finish() -> [UInt8] {
            alignToByte()
            return bytes
        }
    }
}
