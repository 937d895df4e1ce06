/// The shared conformance corpus (../shared/codec/manifest.json): one test case per PNG entry.
/// decode → `decode16` must equal `expected` exactly (16-bit references) and `decode` must equal it
/// reduced the way we reduce (rounding, see PNG.Decoder.swift; the manifest's `expected_8bit` holds
/// Pillow's v >> 8 instead); reject → must throw; optional → may throw, otherwise must match;
/// no_crash → must return or throw.
import Foundation
import Testing
@testable import ImageCodecs

struct PNGManifestEntry: Sendable, CustomTestStringConvertible {
    let path: String
    let policy: String
    let expected: String?
    let width: Int?
    let height: Int?
    let channels: Int?
    var testDescription: String { "\(path) [\(policy)]" }

    static func load() -> [PNGManifestEntry] {
        let url = PNGTestSupport.sharedCodec.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let files = root["files"] as? [[String: Any]]
        else { return [] }
        return files.filter { $0["format"] as? String == "png" }.map { file in
            PNGManifestEntry(
                path: file["path"] as! String, policy: file["decode_policy"] as! String,
                expected: file["expected"] as? String, width: file["width"] as? Int, height: file["height"] as? Int,
                channels: file["channels"] as? Int)
        }
    }
}

@Suite("PNG conformance corpus (../shared/codec)")
struct PNGConformanceTests {
    static let entries = PNGManifestEntry.load()

    @Test(
        .enabled(if: PNGTestSupport.sharedCodecAvailable, "PNG conformance: ../shared/codec not found"),
        arguments: entries)
    func entry(_ entry: PNGManifestEntry) throws {
        let bytes = try PNGTestSupport.bytes(PNGTestSupport.sharedCodec.appendingPathComponent(entry.path))
        let result = Result { () throws(PNG.DecodingError) in (try PNG.decode(bytes), try PNG.decode16(bytes)) }
        switch (entry.policy, result) {
        case ("reject", .success):
            Issue.record("\(entry.path) must be rejected but decoded")
        case ("reject", .failure), ("no_crash", _), ("optional", .failure):
            break
        case (_, .failure(let error)):
            Issue.record("\(entry.path) [\(entry.policy)] must decode: \(error)")
        case (_, .success(let (image, wide))):
            let expectedPath = try #require(entry.expected)
            let reference = try PNGTestSupport.readNetpbm(PNGTestSupport.sharedCodec.appendingPathComponent(expectedPath))
            #expect(image.width == entry.width && image.height == entry.height && image.channels == entry.channels)
            #expect(wide.width == reference.width && wide.height == reference.height && wide.channels == reference.channels)
            let expected16 = reference.maxval == 255 ? reference.samples.map { $0 * 257 } : reference.samples
            let expected8 = reference.maxval == 255 ? reference.samples : reference.samples.map(PNGTestSupport.rounded8)
            let wideMismatches = zip(wide.samples, expected16).filter { Int($0) != $1 }.count
            let mismatches = zip(image.pixels, expected8).filter { Int($0) != $1 }.count
            #expect(wideMismatches == 0, "16-bit samples differing from \(expectedPath)")
            #expect(mismatches == 0, "8-bit samples differing from \(expectedPath) (rounded)")
        }
    }

    @Test(.enabled(if: PNGTestSupport.sharedCodecAvailable, "PNG conformance: ../shared/codec not found"))
    func everyPolicyIsPresent() {
        // Guards against a manifest change silently emptying the parameterised test above.
        let policies = Set(Self.entries.map(\.policy))
        #expect(Self.entries.count >= 199)
        #expect(policies == ["decode", "reject", "optional", "no_crash"])
    }
}
