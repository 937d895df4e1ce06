/// The repository's own JPEG corpus (Fixtures/jpeg, made by make_jpeg_fixtures.py with Pillow and
/// cjpeg): every feature decoded bit-exactly like libjpeg-turbo, EXIF orientation, and the specific
/// error of each corrupt or unsupported file.
import Foundation
import Testing
@testable import ImageCodecs

struct JPEGFixture: Sendable, CustomTestStringConvertible {
    let file: String
    let covers: String
    let expect: String
    let reference: String?
    let channels: Int?
    let orientation: Int?

    var testDescription: String { "\(file): \(covers)" }

    static let all: [JPEGFixture] = {
        let url = JPEGTestSupport.fixtures.appendingPathComponent("fixtures.json")
        guard let data = try? Data(contentsOf: url),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.map {
            JPEGFixture(file: $0["file"] as! String, covers: $0["covers"] as! String, expect: $0["expect"] as! String,
                        reference: $0["reference"] as? String, channels: $0["channels"] as? Int,
                        orientation: $0["orientation"] as? Int)
        }
    }()

    func bytes() throws -> [UInt8] { try JPEGTestSupport.bytes(JPEGTestSupport.fixtures.appendingPathComponent(file)) }
}

@Suite("JPEG decoder on its own fixtures")
struct JPEGFixtureTests {
    @Test func fixturesAreThere() {
        #expect(JPEGFixture.all.count >= 19)
    }

    @Test(arguments: JPEGFixture.all.filter { $0.expect == "decode" })
    func decodesExactlyLikeLibjpeg(_ fixture: JPEGFixture) throws {
        let reference = try JPEGTestSupport.readNetpbm(JPEGTestSupport.fixtures.appendingPathComponent(try #require(fixture.reference)))
        let image = try JPEG.decode(fixture.bytes(), applyOrientation: false)
        #expect(image.width == reference.width && image.height == reference.height)
        #expect(image.channels == fixture.channels)
        let d = JPEGTestSupport.difference(image.pixels, reference.samples)
        #expect(d.max == 0, "max |diff| \(d.max), mean \(d.mean)")
    }

    @Test func appliesExifOrientation6() throws {
        let fixture = try #require(JPEGFixture.all.first { $0.orientation == 6 })
        let reference = try JPEGTestSupport.readNetpbm(JPEGTestSupport.fixtures.appendingPathComponent(try #require(fixture.reference)))
        let upright = try JPEG.decode(fixture.bytes())
        let rotated = JPEGTestSupport.rotateClockwise(reference)
        #expect(upright.width == reference.height && upright.height == reference.width)
        #expect(upright.pixels == rotated.samples)
        // The default path (decodeImage) applies it too.
        #expect(try decodeImage(fixture.bytes()) == upright)
    }

    @Test(arguments: JPEGFixture.all.filter { $0.expect != "decode" })
    func rejectsCorruptFileWithItsError(_ fixture: JPEGFixture) throws {
        do {
            _ = try JPEG.decode(fixture.bytes())
            Issue.record("\(fixture.file) must not decode")
        } catch let error as JPEG.DecodingError {
            switch (fixture.expect, error) {
            case ("truncatedData", .truncatedData(scan: 1)),
                 ("invalidHuffmanTable", .invalidHuffmanTable),
                 ("missingStartOfImage", .missingStartOfImage):
                break
            default:
                Issue.record("expected \(fixture.expect), got \(error)")
            }
        }
    }

    // MARK: Header edits of a good file

    private func baseline() throws -> [UInt8] {
        try JPEGTestSupport.bytes(JPEGTestSupport.fixtures.appendingPathComponent("baseline_420.jpg"))
    }

    /// Offset of the SOF0 marker's 0xFF in `bytes`.
    private func startOfFrame(_ bytes: [UInt8]) throws -> Int {
        try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
    }

    @Test(arguments: [(UInt8(0xC3), "lossless"), (0xC5, "hierarchical"), (0xCB, "lossless")])
    func refusesUnsupportedProcesses(marker: UInt8, word: String) throws {
        var bytes = try baseline()
        bytes[try startOfFrame(bytes) + 1] = marker
        #expect {
            try JPEG.decode(bytes)
        } throws: { error in
            guard case JPEG.DecodingError.unsupported = error else { return false }
            return "\(error)".hasPrefix("unsupported JPEG feature: \(word)")
        }
    }

    @Test func refuses12BitSamples() throws {
        var bytes = try baseline()
        bytes[try startOfFrame(bytes) + 4] = 12
        #expect(throws: JPEG.DecodingError.unsupported("12-bit samples (only 8-bit JPEG is decoded)")) {
            try JPEG.decode(bytes)
        }
    }

    @Test func refusesHugeSizeBeforeAllocating() throws {
        var bytes = try baseline()
        let sof = try startOfFrame(bytes)
        for i in 5...8 { bytes[sof + i] = 0xFF }       // 65535 x 65535
        #expect(throws: JPEG.DecodingError.imageTooLarge(width: 65535, height: 65535, limit: JPEG.defaultMaxPixelCount)) {
            try JPEG.decode(bytes)
        }
        #expect(throws: JPEG.DecodingError.imageTooLarge(width: 37, height: 29, limit: 1000)) {
            try JPEG.decode(baseline(), maxPixelCount: 1000)
        }
    }

    @Test func refusesSamplingFactorZero() throws {
        var bytes = try baseline()
        bytes[try startOfFrame(bytes) + 11] = 0x00     // first component's sampling byte
        #expect(throws: JPEG.DecodingError.invalidFrame("component 0 has sampling factors 0x0 (1...4 allowed)")) {
            try JPEG.decode(bytes)
        }
    }

    @Test func toleratesMissingEndOfImage() throws {
        let bytes = try baseline()
        #expect(bytes.suffix(2) == [0xFF, 0xD9])
        #expect(try JPEG.decode(Array(bytes.dropLast(2))) == JPEG.decode(bytes))
    }

    @Test func neverTrapsOnAnyPrefix() throws {
        // Every 7th truncation point: an image of the right size or an error, never a crash or hang.
        // Huffman data cut short is an error; arithmetic-coded data legally ends in implied zeros.
        for name in ["progressive_420.jpg", "arithmetic_420.jpg"] {
            let bytes = try JPEGTestSupport.bytes(JPEGTestSupport.fixtures.appendingPathComponent(name))
            var decoded = 0, attempts = 0
            for length in Swift.stride(from: 0, to: bytes.count, by: 7) {
                attempts += 1
                if let image = try? JPEG.decode(Array(bytes.prefix(length))) {
                    #expect(image.width == 37 && image.height == 29)
                    decoded += 1
                }
            }
            if name.hasPrefix("progressive") { #expect(decoded < attempts / 2, "\(decoded) of \(attempts) prefixes decoded") }
        }
    }
}
