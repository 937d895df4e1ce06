/// Colour conversion of full-resolution rows to interleaved output: JFIF YCbCr→RGB with libjpeg's
/// 16-bit fixed-point constants and rounding (jdcolor.c), Adobe RGB passed through, and Adobe CMYK/YCCK
/// (stored inverted) turned into RGB the way Pillow's convert("RGB") does.
extension JPEG {
    enum ColorConvert {
        // libjpeg's FIX(x) = round(x * 2^16)
        private static let crToR: Int32 = 91881      // 1.40200
        private static let cbToB: Int32 = 116130     // 1.77200
        private static let crToG: Int32 = 46802      // 0.71414
        private static let cbToG: Int32 = 22554      // 0.34414
        private static let half: Int32 = 1 << 15

        typealias Lane = SIMD16<Int32>

        /// R, G, B of `count` pixels from Y, Cb, Cr rows, each rounded exactly as libjpeg rounds.
        @inline(__always)
        static func yCbCrToRGB(_ y: UnsafePointer<UInt8>, _ cb: UnsafePointer<UInt8>, _ cr: UnsafePointer<UInt8>,
                               into out: UnsafeMutablePointer<UInt8>, count: Int) {
            var x = 0
            while x + 16 <= count {
                let (r, g, b) = convert(load(y + x), load(cb + x), load(cr + x))
                storeInterleaved(r, g, b, to: out + 3 * x)
                x += 16
            }
            while x < count {
                let (r, g, b) = convertOne(Int32(y[x]), Int32(cb[x]), Int32(cr[x]))
                out[3 * x] = r
                out[3 * x + 1] = g
                out[3 * x + 2] = b
                x += 1
            }
        }

        /// Writes 16 RGB pixels as three 16-byte vectors built lane by lane (LLVM turns the lane
        /// pattern into byte shuffles instead of 48 single-byte stores).
        @inline(__always)
        private static func storeInterleaved(_ r: SIMD16<UInt8>, _ g: SIMD16<UInt8>, _ b: SIMD16<UInt8>,
                                             to out: UnsafeMutablePointer<UInt8>) {
            let v0 = SIMD16<UInt8>(r[0], g[0], b[0], r[1], g[1], b[1], r[2], g[2],
                                   b[2], r[3], g[3], b[3], r[4], g[4], b[4], r[5])
            let v1 = SIMD16<UInt8>(g[5], b[5], r[6], g[6], b[6], r[7], g[7], b[7],
                                   r[8], g[8], b[8], r[9], g[9], b[9], r[10], g[10])
            let v2 = SIMD16<UInt8>(b[10], r[11], g[11], b[11], r[12], g[12], b[12], r[13],
                                   g[13], b[13], r[14], g[14], b[14], r[15], g[15], b[15])
            let raw = UnsafeMutableRawPointer(out)
            raw.storeBytes(of: v0, as: SIMD16<UInt8>.self)
            raw.storeBytes(of: v1, toByteOffset: 16, as: SIMD16<UInt8>.self)
            raw.storeBytes(of: v2, toByteOffset: 32, as: SIMD16<UInt8>.self)
        }

        @inline(__always)
        private static func load(_ p: UnsafePointer<UInt8>) -> Lane {
            Lane(truncatingIfNeeded: UnsafeRawPointer(p).loadUnaligned(as: SIMD16<UInt8>.self))
        }

        @inline(__always)
        private static func convert(_ y: Lane, _ cb: Lane, _ cr: Lane) -> (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>) {
            let cb = cb &- 128, cr = cr &- 128
            let r = y &+ ((cr &* crToR &+ half) &>> 16)
            let g = y &+ ((cb &* -cbToG &+ half &+ cr &* -crToG) &>> 16)
            let b = y &+ ((cb &* cbToB &+ half) &>> 16)
            let low = Lane(repeating: 0), high = Lane(repeating: 255)
            return (SIMD16<UInt8>(truncatingIfNeeded: r.clamped(lowerBound: low, upperBound: high)),
                    SIMD16<UInt8>(truncatingIfNeeded: g.clamped(lowerBound: low, upperBound: high)),
                    SIMD16<UInt8>(truncatingIfNeeded: b.clamped(lowerBound: low, upperBound: high)))
        }

        @inline(__always)
        static func convertOne(_ y: Int32, _ cb: Int32, _ cr: Int32) -> (UInt8, UInt8, UInt8) {
            let cb = cb - 128, cr = cr - 128
            let r = y + ((cr * crToR + half) >> 16)
            let g = y + ((cb * -cbToG + half + cr * -crToG) >> 16)
            let b = y + ((cb * cbToB + half) >> 16)
            return (clamp(r), clamp(g), clamp(b))
        }

        @inline(__always)
        private static func clamp(_ v: Int32) -> UInt8 { UInt8(truncatingIfNeeded: min(max(v, 0), 255)) }

        static func interleave(_ r: UnsafePointer<UInt8>, _ g: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>,
                               into out: UnsafeMutablePointer<UInt8>, count: Int) {
            for x in 0..<count {
                out[3 * x] = r[x]
                out[3 * x + 1] = g[x]
                out[3 * x + 2] = b[x]
            }
        }

        /// Adobe CMYK is stored inverted (255 = no ink). Pillow reads it as "CMYK;I" and converts with
        /// R = nk - nk*C/255 (rounded as MULDIV255), nk = 255 - K, on its un-inverted ink values.
        static func cmykToRGB(_ c: UnsafePointer<UInt8>, _ m: UnsafePointer<UInt8>, _ y: UnsafePointer<UInt8>,
                              _ k: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>, count: Int) {
            for x in 0..<count {
                let nk = Int(k[x])      // 255 - Pillow's K
                out[3 * x] = inkToRGB(255 - Int(c[x]), nk)
                out[3 * x + 1] = inkToRGB(255 - Int(m[x]), nk)
                out[3 * x + 2] = inkToRGB(255 - Int(y[x]), nk)
            }
        }

        /// YCCK: Y, Cb, Cr give inverted C, M, Y (libjpeg's ycck_cmyk_convert), K passes through.
        static func ycckToRGB(_ y: UnsafePointer<UInt8>, _ cb: UnsafePointer<UInt8>, _ cr: UnsafePointer<UInt8>,
                              _ k: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>, count: Int) {
            for x in 0..<count {
                let (r, g, b) = convertOne(Int32(y[x]), Int32(cb[x]), Int32(cr[x]))
                let nk = Int(k[x])
                // Stored C = 255 - R, so Pillow's ink C = R.
                out[3 * x] = inkToRGB(Int(r), nk)
                out[3 * x + 1] = inkToRGB(Int(g), nk)
                out[3 * x + 2] = inkToRGB(Int(b), nk)
            }
        }

        @inline(__always)
        private static func inkToRGB(_ ink: Int, _ nk: Int) -> UInt8 {
            let t = ink * nk + 128
            return UInt8(nk - ((t >> 8) + t) >> 8)
        }
    }
}
