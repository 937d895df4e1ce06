// The synthetic demo faces: deterministic per seed, written as decodable PNGs in class folders.
import Foundation
import ImageCodecs
import EmotionTestSupport
import Testing
import EmotionSynth
import EmotionData

@Suite struct FaceSynthesizerTests {
    private func contents(of folder: URL) throws -> [String: Data] {
        let files = FileManager.default.enumerator(atPath: folder.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".png") }
        return try Dictionary(uniqueKeysWithValues: files.map { ($0, try Data(contentsOf: folder.appendingPathComponent($0))) })
    }

    @Test func sameSeedWritesTheSameBytesAndAnotherSeedOthers() throws {
        let first = try TemporaryFolder(), second = try TemporaryFolder(), other = try TemporaryFolder()
        let synthesizer = FaceSynthesizer()
        #expect(try synthesizer.write(to: first.url, perClass: 2, seed: 11, size: 40) == 12)
        #expect(try synthesizer.write(to: second.url, perClass: 2, seed: 11, size: 40) == 12)
        #expect(try synthesizer.write(to: other.url, perClass: 2, seed: 12, size: 40) == 12)
        let written = try contents(of: first.url)
        #expect(Set(written.keys) == Set(FacialExpression.allCases.flatMap { ["\($0)/\($0)_0001.png", "\($0)/\($0)_0002.png"] }))
        #expect(written == (try contents(of: second.url)))
        let changed = try contents(of: other.url)
        #expect(written.keys.allSatisfy { written[$0] != changed[$0] })
    }

    @Test func imagesAreDistinctDecodableAndIndependentOfTheCount() throws {
        let temporary = try TemporaryFolder()
        _ = try FaceSynthesizer().write(to: temporary.url, perClass: 3, seed: 5, size: 48)
        var seen = Set<[UInt8]>()
        for expression in FacialExpression.allCases {
            for index in 0..<3 {
                let url = temporary.url.appendingPathComponent("\(expression)/\(expression)_000\(index + 1).png")
                let image = try decodeImage([UInt8](try Data(contentsOf: url)))
                #expect(image.width == 48 && image.height == 48)
                #expect([1, 3].contains(image.channels))
                // The same picture as drawing it alone: each image depends on (seed, class, index) only.
                #expect(image == FaceSynthesizer().image(of: expression, index: index, seed: 5, size: 48))
                seen.insert(image.pixels)
            }
        }
        #expect(seen.count == 18)
    }

    @Test func refusesFoldersHoldingOtherFiles() throws {
        let temporary = try TemporaryFolder()
        try temporary.write("happy/photo.jpg", [1, 2, 3])
        #expect(throws: SynthesisError.folderHoldsOtherFiles(
            path: temporary.url.appendingPathComponent("happy").path, count: 1)) {
            try FaceSynthesizer().write(to: temporary.url, perClass: 1, seed: 1, size: 32)
        }
        #expect(throws: SynthesisError.invalidCount(0)) {
            try FaceSynthesizer().write(to: temporary.url, perClass: 0, seed: 1, size: 32)
        }
        #expect(throws: SynthesisError.invalidSize(8)) {
            try FaceSynthesizer().write(to: temporary.url, perClass: 1, seed: 1, size: 8)
        }
    }
}
