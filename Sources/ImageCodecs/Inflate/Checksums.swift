/// The two checksums of zlib and PNG: CRC-32 (ISO 3309, slice-by-8 tables) and Adler-32 (RFC 1950).
public enum CRC32 {
    /// Eight tables of 256 entries, flat: entry `k * 256 + b` is the CRC of byte `b` followed by `k` zero
    /// bytes, so eight input bytes fold in one step (slice-by-8).
    private static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var c = UInt32(byte)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[byte] = c
        }
        for k in 1..<8 {
            for byte in 0..<256 {
                let previous = table[(k - 1) * 256 + byte]
                table[k * 256 + byte] = table[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return table
    }()

    /// The CRC-32 of `bytes`, continuing from `crc` (the CRC of what came before; 0 to start).
    public static func checksum(_ bytes: UnsafeBufferPointer<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        table.withUnsafeBufferPointer { t in
            var c = ~crc
            var p = bytes.baseAddress
            var remaining = bytes.count
            while remaining >= 8, let q = p {
                let lo = c ^ (UInt32(q[0]) | UInt32(q[1]) << 8 | UInt32(q[2]) << 16 | UInt32(q[3]) << 24)
                let hi = UInt32(q[4]) | UInt32(q[5]) << 8 | UInt32(q[6]) << 16 | UInt32(q[7]) << 24
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p = q + 8
                remaining -= 8
            }
            while remaining > 0, let q = p {
                c = t[Int((c ^ UInt32(q[0])) & 0xFF)] ^ (c >> 8)
                p = q + 1
                remaining -= 1
            }
            return ~c
        }
    }

    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { checksum($0, continuing: crc) }
    }
}

public enum Adler32 {
    /// The Adler-32 of `bytes`, continuing from `adler` (1 to start).
    public static func checksum(_ bytes: UnsafeBufferPointer<UInt8>, continuing adler: UInt32 = 1) -> UInt32 {
        var a = adler & 0xFFFF
        var b = adler >> 16
        var index = 0
        // 5552 is the largest run for which `b` cannot overflow 32 bits before the modulo (zlib's NMAX).
        while index < bytes.count {
            let end = min(index + 5552, bytes.count)
            while index < end {
                a &+= UInt32(bytes[index])
                b &+= a
                index += 1
            }
            a %= 65521
            b %= 65521
        }
        return b << 16 | a
    }

    public static func checksum(_ bytes: [UInt8], continuing adler: UInt32 = 1) -> UInt32 {
        bytes.withUnsafeBufferPointer { checksum($0, continuing: adler) }
    }
}
