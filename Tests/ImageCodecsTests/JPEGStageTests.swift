/// Unit tests of single JPEG stages: the SIMD IDCT against a scalar twin written from libjpeg's
/// jidctint.c, the flat-block shortcut, SIMD colour conversion against the scalar formula, Huffman
/// table construction, and the EXIF orientation parser.
import Testing
@testable import ImageCodecs

@Suite("JPEG stages")
struct JPEGStageTests {
    /// Scalar ISLOW IDCT (libjpeg jidctint.c, columns then rows), the reference for the SIMD version.
    static func referenceIDCT(_ input: [Int32]) -> [UInt8] {
        func fix(_ x: Double) -> Int64 { Int64((x * 8192).rounded()) }
        func oneDimension(_ v: [Int64], shift: Int64) -> [Int64] {
            let z1 = (v[2] + v[6]) * fix(0.541196100)
            let tmp2 = z1 + v[6] * -fix(1.847759065), tmp3 = z1 + v[2] * fix(0.765366865)
            let tmp0 = (v[0] + v[4]) << 13, tmp1 = (v[0] - v[4]) << 13
            let tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2
            var o0 = v[7], o1 = v[5], o2 = v[3], o3 = v[1]
            let a1 = o0 + o3, a2 = o1 + o2, a3 = o0 + o2, a4 = o1 + o3
            let z5 = (a3 + a4) * fix(1.175875602)
            o0 *= fix(0.298631336); o1 *= fix(2.053119869); o2 *= fix(3.072711026); o3 *= fix(1.501321110)
            let b1 = a1 * -fix(0.899976223), b2 = a2 * -fix(2.562915447)
            let b3 = a3 * -fix(1.961570560) + z5, b4 = a4 * -fix(0.390180644) + z5
            o0 += b1 + b3; o1 += b2 + b4; o2 += b2 + b3; o3 += b1 + b4
            let r: Int64 = 1 << (shift - 1)
            return [tmp10 + o3, tmp11 + o2, tmp12 + o1, tmp13 + o0, tmp13 - o0, tmp12 - o1, tmp11 - o2, tmp10 - o3]
                .map { ($0 + r) >> shift }
        }
        // libjpeg's range-limit table as jdmaster.c lays it out, indexed by (x & RANGE_MASK) from
        // CENTERJSAMPLE: 0...127 → x + 128, 128...511 → 255, 512...895 → 0, 896...1023 → x - 896.
        func rangeLimit(_ i: Int) -> UInt8 {
            switch i {
            case 0..<128: return UInt8(i + 128)
            case 128..<512: return 255
            case 512..<896: return 0
            default: return UInt8(i - 896)
            }
        }
        var workspace = [Int64](repeating: 0, count: 64)
        for column in 0..<8 {
            let out = oneDimension((0..<8).map { Int64(input[$0 * 8 + column]) }, shift: 11)
            for row in 0..<8 { workspace[row * 8 + column] = out[row] }
        }
        var result = [UInt8](repeating: 0, count: 64)
        for row in 0..<8 {
            let out = oneDimension(Array(workspace[(row * 8)..<(row * 8 + 8)]), shift: 18)
            for column in 0..<8 { result[row * 8 + column] = rangeLimit(Int(out[column] & 1023)) }
        }
        return result
    }

    static func simdIDCT(_ input: [Int32], stride: Int = 8) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 8 * stride)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { JPEG.IDCT.transform(source.baseAddress!, into: $0.baseAddress!, stride: stride) }
        }
        return stride == 8 ? output : (0..<8).flatMap { output[($0 * stride)..<($0 * stride + 8)] }
    }

    @Test func simdIDCTMatchesScalarTwin() {
        var generator = JPEGTestRandom(seed: 7)
        for trial in 0..<300 {
            // Sparse blocks like real data: a DC term and decaying AC terms, some large (q100-like).
            let scale = trial % 3 == 0 ? 1024 : 200
            let block = (0..<64).map { i -> Int32 in
                let zeroChance = i == 0 ? 0 : 60
                if Int(generator.next() % 100) < zeroChance { return 0 }
                return Int32(Int(generator.next() % UInt64(2 * scale + 1)) - scale) / Int32(1 + i / 8)
            }
            #expect(Self.simdIDCT(block) == Self.referenceIDCT(block), "block \(trial)")
        }
        // Output rows land `stride` apart.
        let block = (0..<64).map { Int32(($0 * 37) % 101 - 50) }
        #expect(Self.simdIDCT(block, stride: 13) == Self.referenceIDCT(block))
    }

    @Test(arguments: [-1024, -300, -9, 0, 3, 100, 1016, 5000])
    func flatBlockShortcutMatchesFullTransform(dc: Int) {
        var block = [Int32](repeating: 0, count: 64)
        block[0] = Int32(dc)
        var flat = [UInt8](repeating: 0, count: 64)
        flat.withUnsafeMutableBufferPointer { JPEG.IDCT.transformDC(Int32(dc), into: $0.baseAddress!, stride: 8) }
        #expect(flat == Self.simdIDCT(block))
    }

    @Test func simdColourConversionMatchesScalar() {
        var generator = JPEGTestRandom(seed: 3)
        let count = 53
        let planes = (0..<3).map { _ in (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) } }
        var simd = [UInt8](repeating: 0, count: 3 * count)
        simd.withUnsafeMutableBufferPointer {
            JPEG.ColorConvert.yCbCrToRGB(planes[0], planes[1], planes[2], into: $0.baseAddress!, count: count)
        }
        for x in 0..<count {
            let (r, g, b) = JPEG.ColorConvert.convertOne(Int32(planes[0][x]), Int32(planes[1][x]), Int32(planes[2][x]))
            #expect(Array(simd[(3 * x)..<(3 * x + 3)]) == [r, g, b], "pixel \(x)")
        }
        // Spot values of libjpeg's conversion: grey stays grey, pure red rounds as libjpeg does.
        #expect(JPEG.ColorConvert.convertOne(100, 128, 128) == (100, 100, 100))
        #expect(JPEG.ColorConvert.convertOne(76, 85, 255) == (254, 0, 0))
    }

    @Test func huffmanTableDecodesCanonicalCodes() throws {
        // Lengths 2,2,3,3,3,9,10: codes 00, 01, 100, 101, 110, 111000000, 1110000010.
        var counts = [Int](repeating: 0, count: 16)
        counts[1] = 2; counts[2] = 3; counts[8] = 1; counts[9] = 1
        let table = try JPEG.HuffmanTable(counts: counts, symbols: [0x01, 0x02, 0x00, 0x11, 0xF0, 0x33, 0x44], isDC: false)
        let bits = "00" + "01" + "100" + "101" + "110" + "111000000" + "1110000010" + "1111111111111111"
        var bytes: [UInt8] = []
        var padded = Array(bits)
        while padded.count % 8 != 0 { padded.append("1") }
        for i in Swift.stride(from: 0, to: padded.count, by: 8) {
            let value = UInt8(String(padded[i..<(i + 8)]), radix: 2)!
            bytes.append(value)
            if value == 0xFF { bytes.append(0) }     // byte stuffing
        }
        let symbols: [Int] = bytes.withUnsafeBufferPointer { buffer in
            var reader = JPEG.BitReader(base: buffer.baseAddress!, count: buffer.count, position: 0)
            return (0..<8).map { _ in reader.decode(table.lookup) }
        }
        #expect(symbols == [0x01, 0x02, 0x00, 0x11, 0xF0, 0x33, 0x44, -1])
    }

    @Test func huffmanTableRejectsOverSubscribedAndBadDCSymbols() {
        var counts = [Int](repeating: 0, count: 16)
        counts[0] = 2       // two 1-bit codes: the second is the reserved all-ones code
        #expect(throws: JPEG.DecodingError.invalidHuffmanTable("code lengths are over-subscribed at 1 bits")) {
            try JPEG.HuffmanTable(counts: counts, symbols: [0, 1], isDC: true)
        }
        counts[0] = 1
        #expect(throws: JPEG.DecodingError.invalidHuffmanTable("DC symbol 16 is not a magnitude category (0...15)")) {
            try JPEG.HuffmanTable(counts: counts, symbols: [16], isDC: true)
        }
    }

    @Test(arguments: [true, false])
    func exifOrientationIsReadInBothByteOrders(littleEndian: Bool) {
        func u16(_ v: Int) -> [UInt8] { littleEndian ? [UInt8(v & 255), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 255)] }
        func u32(_ v: Int) -> [UInt8] { littleEndian ? u16(v & 0xFFFF) + u16(v >> 16) : u16(v >> 16) + u16(v & 0xFFFF) }
        let header: [UInt8] = Array("Exif".utf8) + [0, 0] + (littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]) + u16(42) + u32(8)
        let width = u16(0x0100) + u16(3) + u32(1) + u16(640) + [0, 0]
        let orientation = u16(0x0112) + u16(3) + u32(1) + u16(8) + [0, 0]
        let body = header + u16(2) + width + orientation + u32(0)
        #expect(JPEG.parseExifOrientation(body[...]) == 8)
        #expect(JPEG.parseExifOrientation(body.prefix(20)) == nil)
        #expect(JPEG.parseExifOrientation(Array("JFIF".utf8)[...]) == nil)
    }

    @Test(arguments: 1...8)
    func orientationTransformsMatchPillow(orientation: Int) {
        // A 3x2 image with distinct samples; expected layouts written out from PIL's exif_transpose.
        let image = Image(width: 3, height: 2, channels: 1, pixels: [1, 2, 3, 4, 5, 6])
        let expected: [Int: (Int, [UInt8])] = [
            1: (3, [1, 2, 3, 4, 5, 6]), 2: (3, [3, 2, 1, 6, 5, 4]), 3: (3, [6, 5, 4, 3, 2, 1]),
            4: (3, [4, 5, 6, 1, 2, 3]), 5: (2, [1, 4, 2, 5, 3, 6]), 6: (2, [4, 1, 5, 2, 6, 3]),
            7: (2, [6, 3, 5, 2, 4, 1]), 8: (2, [3, 6, 2, 5, 1, 4]),
        ]
        let result = JPEG.applyOrientation(orientation, to: image)
        #expect(result.width == expected[orientation]!.0)
        #expect(result.pixels == expected[orientation]!.1)
    }
}

/// A tiny seeded generator for test data.
struct JPEGTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
