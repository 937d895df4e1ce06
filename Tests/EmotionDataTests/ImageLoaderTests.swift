// Loading listed files: decoding in list order, resizing and scaling, skipping undecodable files with a
// warning while they keep their place in the split, and decoding each file only once.
import EmotionTensor
import Foundation
import ImageCodecs
import EmotionTestSupport
import Testing
import EmotionTraining

@Suite struct ImageLoaderTests {
    private let colour = Image(width: 4, height: 4, channels: 3, pixels: (0..<48).map { UInt8($0 * 5) })
    private let grey = Image(width: 8, height: 6, channels: 1, pixels: (0..<48).map { UInt8(255 - $0 * 3) })
    private let translucent = Image(width: 4, height: 4, channels: 4, pixels: (0..<64).map { UInt8($0 * 4 % 256) })
    private let webP: [UInt8] = Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8) + [UInt8](repeating: 0, count: 20)

    /// `a`: a colour and a grey PNG and an empty `.jpg`; `b`: an RGBA PNG, a WebP named `.jpg` and a broken PNG.
    private func dataFolder() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try folder.write("a/colour.png", PNG.encode(colour))
        try folder.write("a/grey.PNG", PNG.encode(grey))
        try folder.write("a/empty.jpg")
        try folder.write("b/translucent.png", PNG.encode(translucent))
        try folder.write("b/fake.jpg", webP)
        try folder.write("b/broken.png", Array(PNG.encode(colour).prefix(40)))
        return folder
    }

    private func expectedInput(_ image: Image, _ preprocessing: Preprocessing) -> [Float] {
        resizedRGB(image, height: preprocessing.height, width: preprocessing.width).map { $0 * preprocessing.scale.multiplier }
    }

    @Test func loadsInListOrderAndSkipsUndecodableFilesWithOneWarningEach() throws {
        let temporary = try dataFolder()
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0.5, seed: 3)
        // Files are listed before decoding: the three bad ones are in the list and the split.
        #expect(folder.files.count == 6 && folder.validation.count == 3)
        var listing = ["a/colour.png", "a/empty.jpg", "a/grey.PNG", "b/broken.png", "b/fake.jpg", "b/translucent.png"]
        listing.shuffleLikeNumPy(seed: 3)
        #expect(folder.files.map(\.relativePath) == listing)

        let preprocessing = Preprocessing(height: 4, width: 4, scale: .unit)
        let loader = ImageLoader(preprocessing: preprocessing)
        var warnings: [String] = []
        let loaded = loader.load(folder.files) { warnings.append($0) }

        let good = folder.files.filter { ["a/colour.png", "a/grey.PNG", "b/translucent.png"].contains($0.relativePath) }
        #expect(loaded.files == good)
        #expect(loaded.labels == good.map { Int32($0.label) })
        #expect(loaded.images.shape == [3, 4, 4, 3])
        let sources = ["a/colour.png": colour, "a/grey.PNG": grey, "b/translucent.png": translucent]
        let expected = good.flatMap { expectedInput(sources[$0.relativePath]!, preprocessing) }
        #expect(loaded.images.scalars == expected)

        let bad = folder.files.map(\.relativePath).filter { !sources.keys.contains($0) }
        #expect(loaded.skipped.map(\.file) == bad)
        let reasons = Dictionary(uniqueKeysWithValues: loaded.skipped.map { ($0.file, $0.reason) })
        #expect(reasons["b/fake.jpg"] == "it is a WebP image; supported: JPEG, PNG, BMP, GIF")
        #expect(reasons["a/empty.jpg"] == "the file is empty")
        #expect(reasons["b/broken.png"].map { !$0.isEmpty } == true)
        #expect(warnings == loaded.skipped.map { "Warning: skipping \($0.file): \($0.reason)" })
        #expect(warnings.contains("Warning: skipping b/fake.jpg: it is a WebP image; supported: JPEG, PNG, BMP, GIF"))
    }

    @Test func decodesEachFileOnceAndWarnsOnce() throws {
        let temporary = try dataFolder()
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0.5, seed: 3)
        let loader = ImageLoader(preprocessing: Preprocessing(height: 3, width: 5, scale: .raw))
        var warnings: [String] = []
        let first = loader.load(folder.files) { warnings.append($0) }
        #expect(warnings.count == 3)

        // With the files gone, a second load can only come from the cache.
        try FileManager.default.removeItem(at: temporary.url.appendingPathComponent("a"))
        try FileManager.default.removeItem(at: temporary.url.appendingPathComponent("b"))
        let again = loader.load(folder.files) { warnings.append($0) }
        #expect(warnings.count == 3)
        #expect(again.images == first.images && again.files == first.files && again.skipped == first.skipped)

        let validation = loader.load(folder.validation) { warnings.append($0) }
        #expect(validation.files == first.files.filter { folder.validation.contains($0) })
        #expect(validation.images.shape == [validation.files.count, 3, 5, 3])

        // Another loader has its own cache, so it reads the (now missing) files.
        let fresh = ImageLoader(preprocessing: Preprocessing(height: 3, width: 5))
        let missing = fresh.load(Array(folder.files.prefix(1))) { warnings.append($0) }
        #expect(missing.files.isEmpty && missing.images.shape == [0, 3, 5, 3])
        #expect(missing.skipped.first?.reason.hasPrefix("cannot read the file") == true)
        #expect(warnings.count == 4)
    }

    @Test func rawScaleKeepsPixelValues() throws {
        let temporary = try TemporaryFolder()
        try temporary.write("only/colour.png", PNG.encode(colour))
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0)
        let loaded = ImageLoader(preprocessing: Preprocessing(height: 4, width: 4, scale: .raw)).load(folder.files) { _ in }
        #expect(loaded.images.scalars == colour.pixels.map(Float.init))
        #expect(loaded.skipped.isEmpty)
    }
}
