/// Shared helpers of the PNG, inflate, BMP and GIF tests: paths from #filePath (never the working
/// directory), the committed fixture list, binary Netpbm references at 8 or 16 bits, and a seeded
/// generator for test data.
import Foundation
import Testing
@testable import ImageCodecs

enum PNGTestSupport {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = testsFolder.appendingPathComponent("Fixtures")
    static let repositoryRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
    static let sharedCodec = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/codec")
    static var sharedCodecAvailable: Bool {
        FileManager.default.fileExists(atPath: sharedCodec.appendingPathComponent("manifest.json").path)
    }

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }
    static func fixture(_ relativePath: String) throws -> [UInt8] { try bytes(fixtures.appendingPathComponent(relativePath)) }

    /// A decoded reference: samples as integers, 8-bit (maxval 255) or 16-bit (maxval 65535).
    struct Reference {
        let width: Int
        let height: Int
        let channels: Int
        let maxval: Int
        let samples: [Int]
    }

    enum ReferenceError: Error { case malformed(String) }

    /// Reads binary P5, P6 and P7 files (16-bit samples big-endian).
    static func readNetpbm(_ url: URL) throws -> Reference {
        let b = try bytes(url)
        guard b.count > 3, b[0] == UInt8(ascii: "P") else { throw ReferenceError.malformed(url.path) }
        var p = 2
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
        func token() -> String {
            while p < b.count, isSpace(b[p]) { p += 1 }
            var text = ""
            while p < b.count, !isSpace(b[p]) {
                text.append(Character(UnicodeScalar(b[p])))
                p += 1
            }
            return text
        }
        var width = 0, height = 0, channels = 0, maxval = 0
        if b[1] == UInt8(ascii: "7") {
            while true {
                let key = token()
                if key == "ENDHDR" || key.isEmpty { break }
                let value = Int(token()) ?? 0
                switch key {
                case "WIDTH": width = value
                case "HEIGHT": height = value
                case "DEPTH": channels = value
                case "MAXVAL": maxval = value
                default: break
                }
            }
        } else {
            channels = b[1] == UInt8(ascii: "5") ? 1 : 3
            width = Int(token()) ?? 0
            height = Int(token()) ?? 0
            maxval = Int(token()) ?? 0
        }
        p += 1  // the single whitespace byte before the samples
        let count = width * height * channels
        let wide = maxval > 255
        guard b.count - p >= count * (wide ? 2 : 1) else { throw ReferenceError.malformed(url.path) }
        let samples = wide
            ? (0..<count).map { Int(b[p + 2 * $0]) << 8 | Int(b[p + 2 * $0 + 1]) }
            : (0..<count).map { Int(b[p + $0]) }
        return Reference(width: width, height: height, channels: channels, maxval: maxval, samples: samples)
    }

    /// The 8-bit value our decoder gives a 16-bit sample: rounded, (v·255 + 32767) / 65535.
    static func rounded8(_ sample: Int) -> Int { (sample * 255 + 32767) / 65535 }

    /// One committed image fixture (Fixtures/png_bmp_gif_fixtures.json).
    struct ImageFixture: Sendable, CustomTestStringConvertible {
        let path: String
        let expected: String
        let maxval: Int
        let width: Int
        let height: Int
        let channels: Int
        let covers: String
        var testDescription: String { "\(path) (\(covers))" }
    }

    static func imageFixtures(under folder: String) -> [ImageFixture] {
        let url = fixtures.appendingPathComponent("png_bmp_gif_fixtures.json")
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let images = root["images"] as? [[String: Any]]
        else { return [] }
        return images.compactMap { entry in
            guard let path = entry["path"] as? String, path.hasPrefix(folder + "/") else { return nil }
            return ImageFixture(
                path: path, expected: entry["expected"] as! String, maxval: entry["maxval"] as! Int,
                width: entry["width"] as! Int, height: entry["height"] as! Int, channels: entry["channels"] as! Int,
                covers: entry["covers"] as! String)
        }
    }

    /// Deterministic bytes for round trips (SplitMix64).
    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt8(truncatingIfNeeded: z ^ (z >> 31))
        }
    }
}
