/// The shared conformance corpus (../shared/codec/manifest.json): one test case per JPEG entry.
/// decode → must match `expected` within both `tolerance` and `tolerance_strict` (our decoder follows
/// libjpeg's IDCT and upsampling); reject → must throw; no_crash → must return or throw; optional →
/// may throw "unsupported", otherwise must match. EXIF-oriented files are also checked oriented.
import Foundation
import Testing
@testable import ImageCodecs

struct JPEGManifestEntry: Sendable, CustomTestStringConvertible {
    struct Tolerance: Sendable {
        let maxAbs: Int
        let meanAbs: Double
        let p99Abs: Int
    }

    let path: String
    let policy: String
    let expected: String?
    let channels: Int?
    let width: Int?
    let height: Int?
    let tolerance: Tolerance?
    let strictTolerance: Tolerance?
    let orientation: Int?

    var testDescription: String { "\(path) [\(policy)]" }

    static func load() -> [JPEGManifestEntry] {
        let url = JPEGTestSupport.sharedCodec.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let files = root["files"] as? [[String: Any]] else { return [] }
        func tolerance(_ value: Any?) -> Tolerance? {
            guard let t = value as? [String: Any], let m = t["max_abs"] as? Int,
                  let mean = (t["mean_abs"] as? NSNumber)?.doubleValue, let p99 = t["p99_abs"] as? Int else { return nil }
            return Tolerance(maxAbs: m, meanAbs: mean, p99Abs: p99)
        }
        return files.filter { $0["format"] as? String == "jpeg" }.map { file in
            let features = file["features"] as? [String: Any]
            // CMYK/YCCK: we output RGB, so compare with Pillow's RGB conversion.
            let rgb = file["expected_rgb"] as? String
            return JPEGManifestEntry(
                path: file["path"] as! String,
                policy: file["decode_policy"] as! String,
                expected: rgb ?? file["expected"] as? String,
                channels: rgb != nil ? 3 : file["channels"] as? Int,
                width: file["width"] as? Int,
                height: file["height"] as? Int,
                tolerance: tolerance(file["tolerance"]),
                strictTolerance: tolerance(file["tolerance_strict"]),
                orientation: features?["exif_orientation"] as? Int)
        }
    }
}

@Suite("JPEG conformance corpus (../shared/codec)")
struct JPEGConformanceTests {
    static let entries = JPEGManifestEntry.load()

    @Test(.enabled(if: JPEGTestSupport.sharedCodecAvailable, "JPEG conformance: ../shared/codec not found"),
          arguments: entries)
    func decodeAsTheManifestSays(_ entry: JPEGManifestEntry) throws {
        let bytes = try JPEGTestSupport.bytes(JPEGTestSupport.sharedCodec.appendingPathComponent(entry.path))
        let result = Result { try JPEG.decode(bytes, applyOrientation: false) }
        switch (entry.policy, result) {
        case ("decode", .success(let image)):
            try compare(image, entry)
            if let orientation = entry.orientation, orientation != 1 {
                try compareOriented(bytes, orientation, entry)
            }
        case ("decode", .failure(let error)):
            Issue.record("must decode, threw: \(error)")
        case ("reject", .success):
            Issue.record("must be rejected, but decoded")
        case ("reject", .failure), ("no_crash", _):
            break
        case ("optional", .success(let image)):
            try compare(image, entry)
        case ("optional", .failure(let error)):
            #expect("\(error)".contains("unsupported JPEG feature"), "an optional feature may only fail as unsupported: \(error)")
        default:
            Issue.record("unknown decode policy \(entry.policy)")
        }
    }

    private func reference(_ entry: JPEGManifestEntry) throws -> JPEGTestSupport.Netpbm {
        let expected = try #require(entry.expected)
        return try JPEGTestSupport.readNetpbm(JPEGTestSupport.sharedCodec.appendingPathComponent(expected))
    }

    private func compare(_ image: Image, _ entry: JPEGManifestEntry) throws {
        let reference = try reference(entry)
        try #require(image.width == entry.width && image.height == entry.height && image.channels == entry.channels,
                     "size \(image.width)x\(image.height)x\(image.channels)")
        try #require(reference.samples.count == image.pixels.count)
        check(JPEGTestSupport.difference(image.pixels, reference.samples), entry)
    }

    private func check(_ d: JPEGTestSupport.Difference, _ entry: JPEGManifestEntry) {
        for tolerance in [entry.tolerance, entry.strictTolerance].compactMap({ $0 }) {
            #expect(d.max <= tolerance.maxAbs, "max |diff| \(d.max)")
            #expect(d.mean <= tolerance.meanAbs, "mean |diff| \(d.mean)")
            #expect(d.p99 <= tolerance.p99Abs, "p99 |diff| \(d.p99)")
        }
    }

    /// With orientation applied the result must be the reference transformed as EXIF says.
    private func compareOriented(_ bytes: [UInt8], _ orientation: Int, _ entry: JPEGManifestEntry) throws {
        let reference = try reference(entry)
        let transformed: JPEGTestSupport.Netpbm
        switch orientation {
        case 3: transformed = JPEGTestSupport.rotate180(reference)
        case 6: transformed = JPEGTestSupport.rotateClockwise(reference)
        default: Issue.record("no check for orientation \(orientation)"); return
        }
        let image = try JPEG.decode(bytes)
        #expect(image.width == transformed.width && image.height == transformed.height)
        check(JPEGTestSupport.difference(image.pixels, transformed.samples), entry)
    }

    @Test(.enabled(if: JPEGTestSupport.sharedCodecAvailable, "JPEG conformance: ../shared/codec not found"))
    func webPNamedJPGIsReportedAsWebP() throws {
        let bytes = try JPEGTestSupport.bytes(JPEGTestSupport.sharedCodec.appendingPathComponent("jpeg/bad_webp_named_jpg.jpg"))
        #expect(throws: (any Error).self) { try JPEG.decode(bytes) }
        do {
            _ = try decodeImage(bytes)
            Issue.record("a WebP file must not decode")
        } catch {
            #expect("\(error)".contains("WebP"), "error should name WebP: \(error)")
        }
    }
}
