/// The five PNG row filters (spec §9): forward for the encoder, inverse (unfiltering) for the decoder.
/// `bytesPerPixel` is the filter's byte distance to the left neighbour (at least 1).
extension PNG {
    enum Filter: UInt8, CaseIterable {
        case none = 0, sub, up, average, paeth

        @inline(__always)
        static func paethPredictor(_ a: Int, _ b: Int, _ c: Int) -> Int {
            let p = a + b - c
            let pa = abs(p - a)
            let pb = abs(p - b)
            let pc = abs(p - c)
            if pa <= pb && pa <= pc { return a }
            return pb <= pc ? b : c
        }

        /// Filters `row` (with `above`, the previous unfiltered row, zeros for the first) into `out`.
        func apply(
            row: UnsafePointer<UInt8>, above: UnsafePointer<UInt8>, count: Int, bytesPerPixel bpp: Int,
            into out: UnsafeMutablePointer<UInt8>
        ) {
            for i in 0..<count {
                let x = row[i]
                let a = i >= bpp ? row[i - bpp] : 0
                let b = above[i]
                let c = i >= bpp ? above[i - bpp] : 0
                let predicted: UInt8 = switch self {
                case .none: 0
                case .sub: a
                case .up: b
                case .average: UInt8((Int(a) + Int(b)) >> 1)
                case .paeth: UInt8(Self.paethPredictor(Int(a), Int(b), Int(c)))
                }
                out[i] = x &- predicted
            }
        }
    }
}

extension PNG.Filter {
    /// Undoes filter `type` on one row: reads `source`, writes `destination` (may be the same memory),
    /// with `above` the previous reconstructed row (zeros for a pass's first row). False for an unknown type.
    @inline(__always)
    static func unfilter(
        type: UInt8, source: UnsafePointer<UInt8>, destination: UnsafeMutablePointer<UInt8>,
        above: UnsafePointer<UInt8>, count: Int, bytesPerPixel bpp: Int
    ) -> Bool {
        let head = min(bpp, count)
        switch type {
        case 0:
            if UnsafePointer(destination) != source { destination.update(from: source, count: count) }
        case 1:
            for i in 0..<head { destination[i] = source[i] }
            var i = bpp
            while i < count {
                destination[i] = source[i] &+ destination[i - bpp]
                i += 1
            }
        case 2:
            for i in 0..<count { destination[i] = source[i] &+ above[i] }
        case 3:
            for i in 0..<head { destination[i] = source[i] &+ above[i] >> 1 }
            var i = bpp
            while i < count {
                destination[i] = source[i] &+ UInt8((UInt16(destination[i - bpp]) + UInt16(above[i])) >> 1)
                i += 1
            }
        case 4:
            if bpp == 3 || bpp == 4 {
                unpaethPixels(source: source, destination: destination, above: above, count: count, bytesPerPixel: bpp)
                return true
            }
            // With a = c = 0 the Paeth predictor picks b: the first pixel is an Up filter.
            for i in 0..<head { destination[i] = source[i] &+ above[i] }
            var i = bpp
            while i < count {
                let a = Int(destination[i - bpp])
                let b = Int(above[i])
                let c = Int(above[i - bpp])
                let pa = abs(b - c)
                let pb = abs(a - c)
                let pc = abs(a + b - 2 * c)
                let predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                destination[i] = source[i] &+ UInt8(truncatingIfNeeded: predicted)
                i += 1
            }
        default:
            return false
        }
        return true
    }

    /// Paeth for 3- and 4-byte pixels, one pixel per step in SIMD lanes (RGB/RGBA photos spend most of
    /// their unfiltering time here). Bit-for-bit the scalar predictor: ties prefer a, then b.
    @inline(__always)
    private static func unpaethPixels(
        source: UnsafePointer<UInt8>, destination: UnsafeMutablePointer<UInt8>, above: UnsafePointer<UInt8>,
        count: Int, bytesPerPixel bpp: Int
    ) {
        @inline(__always) func load(_ p: UnsafePointer<UInt8>) -> SIMD4<Int16> {
            SIMD4(Int16(p[0]), Int16(p[1]), Int16(p[2]), bpp == 4 ? Int16(p[3]) : 0)
        }
        var a = SIMD4<Int16>(repeating: 0)  // reconstructed left pixel
        var c = SIMD4<Int16>(repeating: 0)  // above-left pixel
        var offset = 0
        while offset + bpp <= count {
            let b = load(above + offset)
            let pa = pointwiseMax(b &- c, c &- b)
            let pb = pointwiseMax(a &- c, c &- a)
            let sum = a &+ b &- c &- c
            let pc = pointwiseMax(sum, 0 &- sum)
            var predicted = c
            predicted.replace(with: b, where: pb .<= pc)
            predicted.replace(with: a, where: (pa .<= pb) .& (pa .<= pc))
            let x = (load(source + offset) &+ predicted) & 0xFF
            destination[offset] = UInt8(truncatingIfNeeded: x[0])
            destination[offset + 1] = UInt8(truncatingIfNeeded: x[1])
            destination[offset + 2] = UInt8(truncatingIfNeeded: x[2])
            if bpp == 4 { destination[offset + 3] = UInt8(truncatingIfNeeded: x[3]) }
            a = x
            c = b
            offset += bpp
        }
    }
}
