/// Dequantised 8x8 inverse DCT, bit-exact with libjpeg's accurate integer IDCT (jidctint.c "ISLOW":
/// 13-bit constants, 2 extra bits between the column and the row pass, libjpeg's range-limit wrap).
/// Each pass works on eight SIMD8<Int32> rows at once; a transpose between passes turns the row pass
/// into the same vertical arithmetic. All arithmetic wraps, so
/// hostile coefficients cannot trap.
extension JPEG {
    enum IDCT {
        typealias Row = SIMD8<Int32>

        // libjpeg's FIX(x) = round(x * 2^13)
        private static let c0_298631336: Int32 = 2446
        private static let c0_390180644: Int32 = 3196
        private static let c0_541196100: Int32 = 4433
        private static let c0_765366865: Int32 = 6270
        private static let c0_899976223: Int32 = 7373
        private static let c1_175875602: Int32 = 9633
        private static let c1_501321110: Int32 = 12299
        private static let c1_847759065: Int32 = 15137
        private static let c1_961570560: Int32 = 16069
        private static let c2_053119869: Int32 = 16819
        private static let c2_562915447: Int32 = 20995
        private static let c3_072711026: Int32 = 25172

        /// Inverse-transforms 64 dequantised coefficients (natural order) into an 8x8 block of samples
        /// at `output` with row pitch `stride`.
        @inline(__always)
        static func transform(_ coefficients: UnsafePointer<Int32>, into output: UnsafeMutablePointer<UInt8>, stride: Int) {
            let raw = UnsafeRawPointer(coefficients)
            var b = (raw.loadUnaligned(as: Row.self),
                     raw.loadUnaligned(fromByteOffset: 32, as: Row.self),
                     raw.loadUnaligned(fromByteOffset: 64, as: Row.self),
                     raw.loadUnaligned(fromByteOffset: 96, as: Row.self),
                     raw.loadUnaligned(fromByteOffset: 128, as: Row.self),
                     raw.loadUnaligned(fromByteOffset: 160, as: Row.self),
                     raw.loadUnaligned(fromByteOffset: 192, as: Row.self),
                     raw.loadUnaligned(fromByteOffset: 224, as: Row.self))
            pass(&b, shift: 11)     // columns: CONST_BITS - PASS1_BITS
            transpose(&b)
            pass(&b, shift: 18)     // rows: CONST_BITS + PASS1_BITS + 3
            transpose(&b)
            store(b.0, output)
            store(b.1, output + stride)
            store(b.2, output + 2 * stride)
            store(b.3, output + 3 * stride)
            store(b.4, output + 4 * stride)
            store(b.5, output + 5 * stride)
            store(b.6, output + 6 * stride)
            store(b.7, output + 7 * stride)
        }

        /// A block whose only nonzero coefficient is DC is flat: the two passes reduce to one rounding.
        @inline(__always)
        static func transformDC(_ dc: Int32, into output: UnsafeMutablePointer<UInt8>, stride: Int) {
            let value = sample((dc &+ 4) >> 3)
            for y in 0..<8 {
                (output + y * stride).initialize(repeating: value, count: 8)
            }
        }

        /// libjpeg's range limit: wrap to -512...511 (RANGE_MASK), then clamp to 0...255 after +128.
        @inline(__always)
        static func sample(_ x: Int32) -> UInt8 {
            let wrapped = ((x &+ 512) & 1023) &- 512 &+ 128
            return UInt8(truncatingIfNeeded: min(max(wrapped, 0), 255))
        }

        @inline(__always)
        private static func store(_ row: Row, _ to: UnsafeMutablePointer<UInt8>) {
            let wrapped = ((row &+ 512) & 1023) &- 512 &+ 128
            let clamped = wrapped.clamped(lowerBound: Row(repeating: 0), upperBound: Row(repeating: 255))
            UnsafeMutableRawPointer(to).storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: clamped), as: SIMD8<UInt8>.self)
        }

        /// One 1-D pass over all eight columns at once (vector i = input row i), then DESCALE by `shift`.
        @inline(__always)
        private static func pass(_ b: inout (Row, Row, Row, Row, Row, Row, Row, Row), shift: Int32) {
            // Even part
            var z2 = b.2, z3 = b.6
            var z1 = (z2 &+ z3) &* c0_541196100
            var tmp2 = z1 &+ z3 &* -c1_847759065
            var tmp3 = z1 &+ z2 &* c0_765366865
            z2 = b.0
            z3 = b.4
            var tmp0 = (z2 &+ z3) &<< 13
            var tmp1 = (z2 &- z3) &<< 13
            let tmp10 = tmp0 &+ tmp3, tmp13 = tmp0 &- tmp3
            let tmp11 = tmp1 &+ tmp2, tmp12 = tmp1 &- tmp2

            // Odd part
            tmp0 = b.7
            tmp1 = b.5
            tmp2 = b.3
            tmp3 = b.1
            z1 = tmp0 &+ tmp3
            z2 = tmp1 &+ tmp2
            z3 = tmp0 &+ tmp2
            var z4 = tmp1 &+ tmp3
            let z5 = (z3 &+ z4) &* c1_175875602
            tmp0 = tmp0 &* c0_298631336
            tmp1 = tmp1 &* c2_053119869
            tmp2 = tmp2 &* c3_072711026
            tmp3 = tmp3 &* c1_501321110
            z1 = z1 &* -c0_899976223
            z2 = z2 &* -c2_562915447
            z3 = z3 &* -c1_961570560 &+ z5
            z4 = z4 &* -c0_390180644 &+ z5
            tmp0 = tmp0 &+ z1 &+ z3
            tmp1 = tmp1 &+ z2 &+ z4
            tmp2 = tmp2 &+ z2 &+ z3
            tmp3 = tmp3 &+ z1 &+ z4

            let round = Row(repeating: 1 << (shift - 1))
            let s = Row(repeating: shift)
            b.0 = (tmp10 &+ tmp3 &+ round) &>> s
            b.7 = (tmp10 &- tmp3 &+ round) &>> s
            b.1 = (tmp11 &+ tmp2 &+ round) &>> s
            b.6 = (tmp11 &- tmp2 &+ round) &>> s
            b.2 = (tmp12 &+ tmp1 &+ round) &>> s
            b.5 = (tmp12 &- tmp1 &+ round) &>> s
            b.3 = (tmp13 &+ tmp0 &+ round) &>> s
            b.4 = (tmp13 &- tmp0 &+ round) &>> s
        }

        /// 8x8 transpose in three interleave stages (32-bit pairs, 64-bit pairs, 128-bit halves), the
        /// unpack/permute pattern LLVM lowers to single shuffle instructions.
        @inline(__always)
        private static func transpose(_ b: inout (Row, Row, Row, Row, Row, Row, Row, Row)) {
            @inline(__always) func low32(_ x: Row, _ y: Row) -> Row { Row(x[0], y[0], x[1], y[1], x[4], y[4], x[5], y[5]) }
            @inline(__always) func high32(_ x: Row, _ y: Row) -> Row { Row(x[2], y[2], x[3], y[3], x[6], y[6], x[7], y[7]) }
            @inline(__always) func low64(_ x: Row, _ y: Row) -> Row { Row(x[0], x[1], y[0], y[1], x[4], x[5], y[4], y[5]) }
            @inline(__always) func high64(_ x: Row, _ y: Row) -> Row { Row(x[2], x[3], y[2], y[3], x[6], x[7], y[6], y[7]) }
            @inline(__always) func low128(_ x: Row, _ y: Row) -> Row { Row(lowHalf: x.lowHalf, highHalf: y.lowHalf) }
            @inline(__always) func high128(_ x: Row, _ y: Row) -> Row { Row(lowHalf: x.highHalf, highHalf: y.highHalf) }
            let t0 = low32(b.0, b.1), t1 = high32(b.0, b.1), t2 = low32(b.2, b.3), t3 = high32(b.2, b.3)
            let t4 = low32(b.4, b.5), t5 = high32(b.4, b.5), t6 = low32(b.6, b.7), t7 = high32(b.6, b.7)
            let u0 = low64(t0, t2), u1 = high64(t0, t2), u2 = low64(t1, t3), u3 = high64(t1, t3)
            let u4 = low64(t4, t6), u5 = high64(t4, t6), u6 = low64(t5, t7), u7 = high64(t5, t7)
            b = (low128(u0, u4), low128(u1, u5), low128(u2, u6), low128(u3, u7),
                 high128(u0, u4), high128(u1, u5), high128(u2, u6), high128(u3, u7))
        }
    }
}
