/// Shared helpers of the JPEG tests: locating fixtures and ../shared from #filePath, reading binary
/// Netpbm reference decodes, and measuring per-sample differences.
import Foundation
@testable import ImageCodecs

enum JPEGTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/jpeg")
    static let sharedCodec = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/codec")
    static var sharedCodecAvailable: Bool {
        FileManager.default.fileExists(atPath: sharedCodec.appendingPathComponent("manifest.json").path)
    }

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    struct Netpbm {
        let width: Int
        let height: Int
        let channels: Int
        let samples: [UInt8]
    }

    enum NetpbmError: Error { case malformed(String) }

    /// Reads 8-bit P5, P6 and P7 files.
    static func readNetpbm(_ url: URL) throws -> Netpbm {
        let b = try bytes(url)
        guard b.count > 3, b[0] == UInt8(ascii: "P") else { throw NetpbmError.malformed(url.path) }
        var p = 2
        func token() -> String {
            while p < b.count, b[p] == 0x20 || b[p] == 0x0A || b[p] == 0x0D || b[p] == 0x09 { p += 1 }
            var text = ""
            while p < b.count, !(b[p] == 0x20 || b[p] == 0x0A || b[p] == 0x0D || b[p] == 0x09) {
                text.append(Character(UnicodeScalar(b[p])))
                p += 1
            }
            return text
        }
        var width = 0, height = 0, channels = 0, maxval = 0
        switch b[1] {
        case UInt8(ascii: "5"), UInt8(ascii: "6"):
            channels = b[1] == UInt8(ascii: "5") ? 1 : 3
            width = Int(token()) ?? 0
            height = Int(token()) ?? 0
            maxval = Int(token()) ?? 0
        case UInt8(ascii: "7"):
            while true {
                let key = token()
                if key == "ENDHDR" || key.isEmpty { break }
                let value = token()
                switch key {
                case "WIDTH": width = Int(value) ?? 0
                case "HEIGHT": height = Int(value) ?? 0
                case "DEPTH": channels = Int(value) ?? 0
                case "MAXVAL": maxval = Int(value) ?? 0
                default: break
                }
            }
        default:
            throw NetpbmError.malformed(url.path)
        }
        p += 1      // the single whitespace byte before the samples
        let count = width * height * channels
        guard maxval == 255, b.count - p >= count else { throw NetpbmError.malformed(url.path) }
        return Netpbm(width: width, height: height, channels: channels, samples: Array(b[p..<(p + count)]))
    }

    struct Difference {
        let max: Int
        let mean: Double
        let p99: Int
    }

    static func difference(_ a: [UInt8], _ b: [UInt8]) -> Difference {
        var histogram = [Int](repeating: 0, count: 256)
        var sum = 0
        for i in 0..<min(a.count, b.count) {
            let d = abs(Int(a[i]) - Int(b[i]))
            histogram[d] += 1
            sum += d
        }
        let total = max(a.count, 1)
        let maximum = histogram.lastIndex(where: { $0 > 0 }) ?? 0
        var seen = 0, p99 = 0
        for (d, count) in histogram.enumerated() {
            seen += count
            if Double(seen) >= 0.99 * Double(total) { p99 = d; break }
        }
        return Difference(max: maximum, mean: Double(sum) / Double(total), p99: p99)
    }

    /// The reference transformed as EXIF orientation 6 says: D[y][x] = S[H-1-x][y].
    static func rotateClockwise(_ image: Netpbm) -> Netpbm {
        var out = [UInt8](repeating: 0, count: image.samples.count)
        let w = image.width, h = image.height, c = image.channels
        for y in 0..<w {
            for x in 0..<h {
                for k in 0..<c { out[(y * h + x) * c + k] = image.samples[((h - 1 - x) * w + y) * c + k] }
            }
        }
        return Netpbm(width: h, height: w, channels: c, samples: out)
    }

    /// The reference rotated by 180 degrees (EXIF orientation 3).
    static func rotate180(_ image: Netpbm) -> Netpbm {
        let c = image.channels
        let pixels = image.samples.count / c
        var out = [UInt8](repeating: 0, count: image.samples.count)
        for i in 0..<pixels {
            for k in 0..<c { out[i * c + k] = image.samples[(pixels - 1 - i) * c + k] }
        }
        return Netpbm(width: image.width, height: image.height, channels: c, samples: out)
    }
}
