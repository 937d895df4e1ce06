// Loading listed files as batches: in the given order, resized and scaled, undecodable files skipped with
// one warning each while they keep their place in the split, the cache within its budget and invisible in
// the values, augmentation before scaling, and the decode-only check of `emotion dataset`.
import EmotionTensor
import Foundation
import ImageCodecs
import EmotionTestSupport
import Testing
import EmotionData

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

    /// Every batch of a pass over `files`, in order.
    private func pass(
        _ loader: ImageLoader, _ files: [LabeledFile], order: [Int]? = nil, batchSize: Int, first: Int = 0,
        augment: (@Sendable (Int, UnsafeMutablePointer<Float>) -> Void)? = nil
    ) -> [ImageBatch] {
        Array(loader.batches(of: files, order: order, batchSize: batchSize, startingAt: first, augment: augment))
    }

    @Test func batchesFollowTheOrderAndSkipUndecodableFilesWithOneWarningEach() throws {
        let temporary = try dataFolder()
        defer { temporary.remove() }
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0.5, seed: 3)
        // Files are listed before decoding: the three bad ones are in the list and the split.
        #expect(folder.files.count == 6 && folder.validation.count == 3)
        var listing = ["a/colour.png", "a/empty.jpg", "a/grey.PNG", "b/broken.png", "b/fake.jpg", "b/translucent.png"]
        listing.shuffleLikeNumPy(seed: 3)
        #expect(folder.files.map(\.relativePath) == listing)

        let preprocessing = Preprocessing(height: 4, width: 4, scale: .unit)
        let warnings = WarningLines()
        let loader = ImageLoader(preprocessing: preprocessing, warn: warnings.add)
        let order = [5, 4, 3, 2, 1, 0]
        let batches = pass(loader, folder.files, order: order, batchSize: 4)
        #expect(batches.count == 2)

        let sources = ["a/colour.png": colour, "a/grey.PNG": grey, "b/translucent.png": translucent]
        let good = order.filter { sources[folder.files[$0].relativePath] != nil }
        #expect(batches.flatMap(\.positions) == good)
        #expect(batches.flatMap(\.labels) == good.map { Int32(folder.files[$0].label) })
        #expect(batches.map { $0.inputs.shape[0] } == batches.map(\.positions.count))
        let expected = good.flatMap { expectedInput(sources[folder.files[$0].relativePath]!, preprocessing) }
        #expect(batches.flatMap(\.inputs.scalars) == expected)

        let skipped = batches.flatMap(\.skipped)
        #expect(skipped.map(\.file) == order.map { folder.files[$0].relativePath }.filter { sources[$0] == nil })
        let reasons = Dictionary(uniqueKeysWithValues: skipped.map { ($0.file, $0.reason) })
        #expect(reasons["b/fake.jpg"] == "it is a WebP image; supported: JPEG, PNG, BMP, GIF")
        #expect(reasons["a/empty.jpg"] == "the file is empty")
        #expect(reasons["b/broken.png"].map { !$0.isEmpty } == true)
        #expect(Set(warnings.all) == Set(skipped.map { "Warning: skipping \($0.file): \($0.reason)" }))

        // A second pass warns no more, and a pass can start at any batch.
        let again = pass(loader, folder.files, order: order, batchSize: 4, first: 1)
        #expect(again.count == 1 && again[0].positions == batches[1].positions && again[0].inputs == batches[1].inputs)
        #expect(warnings.all.count == 3)
    }

    @Test func theCacheServesLaterPassesWithinItsBudgetAndChangesNoValue() throws {
        let temporary = try dataFolder()
        defer { temporary.remove() }
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0.5, seed: 3)
        let preprocessing = Preprocessing(height: 3, width: 5, scale: .raw)
        let uncached = pass(ImageLoader(preprocessing: preprocessing, warn: { _ in }), folder.files, batchSize: 2)

        // colour 4x4x3 = 48 bytes, grey 8x6 = 48 bytes, translucent 4x4x4 = 64 bytes, each smaller than the
        // 3x5x3 float input (180 bytes), so kept decoded. A 100-byte budget admits images as they are met
        // (one at a time with batches of one) while they fit, and never evicts.
        let sizes = ["a/colour.png": 48, "a/grey.PNG": 48, "b/translucent.png": 64]
        var expectedCached: [Int] = []
        var used = 0
        for (position, file) in folder.files.enumerated() {
            guard let size = sizes[file.relativePath], used + size <= 100 else { continue }
            expectedCached.append(position)
            used += size
        }
        let cache = ImageCache(budget: MemorySize(bytes: 100))
        let warnings = WarningLines()
        let loader = ImageLoader(preprocessing: preprocessing, cache: cache, warn: warnings.add)
        let first = pass(loader, folder.files, batchSize: 1)
        #expect(cache.imageCount == expectedCached.count && cache.usedMemory.bytes == used)
        #expect(first.flatMap(\.inputs.scalars) == uncached.flatMap(\.inputs.scalars))

        // With the files gone, exactly the cached images still come; the others now fail as unreadable.
        try FileManager.default.removeItem(at: temporary.url.appendingPathComponent("a"))
        try FileManager.default.removeItem(at: temporary.url.appendingPathComponent("b"))
        let again = pass(loader, folder.files, batchSize: 2)
        #expect(again.flatMap(\.positions) == expectedCached)
        let unreadable = 3 - expectedCached.count
        #expect(warnings.all.count == 3 + unreadable)
        #expect(warnings.all.suffix(unreadable).allSatisfy { $0.contains("cannot read the file") })
    }

    @Test func preparedImagesKeepTheSmallerExactForm() {
        let small = Preprocessing(height: 100, width: 100)
        #expect(small.prepared(colour).byteCount == 48)  // 4x4x3 pixels kept, resized when used
        let big = Image(width: 300, height: 200, channels: 3, pixels: [UInt8](repeating: 7, count: 300 * 200 * 3))
        let tiny = Preprocessing(height: 10, width: 10, scale: .unit)
        let prepared = tiny.prepared(big)
        #expect(prepared.byteCount == 10 * 10 * 3 * 4)  // resized values kept: 1,200 bytes, not 180,000
        var fromPrepared = [Float](repeating: 0, count: 300)
        fromPrepared.withUnsafeMutableBufferPointer { tiny.writeModelInput(of: prepared, to: $0.baseAddress!) }
        #expect(fromPrepared == tiny.modelInput(from: big))
    }

    @Test func augmentationSeesResizedPixelsBeforeScaling() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try temporary.write("only/colour.png", PNG.encode(colour))
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0)
        let preprocessing = Preprocessing(height: 4, width: 4, scale: .unit)
        let loader = ImageLoader(preprocessing: preprocessing, warn: { _ in })
        let batch = pass(loader, folder.files, batchSize: 1) { position, pixels in
            for i in 0..<48 { pixels[i] = 255 - pixels[i] + Float(position) }
        }[0]
        #expect(batch.inputs.scalars == colour.pixels.map { (255 - Float($0)) * preprocessing.scale.multiplier })
    }

    @Test func rawScaleKeepsPixelValues() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try temporary.write("only/colour.png", PNG.encode(colour))
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0)
        let batches = pass(ImageLoader(preprocessing: Preprocessing(height: 4, width: 4, scale: .raw), warn: { _ in }),
                           folder.files, batchSize: 8)
        #expect(batches.count == 1 && batches[0].inputs.scalars == colour.pixels.map(Float.init))
        #expect(batches[0].skipped.isEmpty)
    }

    @Test func undecodableFilesAreFoundWithoutResizing() throws {
        let temporary = try dataFolder()
        defer { temporary.remove() }
        let folder = try ImageFolder(root: temporary.url, validationSplit: 0)
        var progress: [Int] = []
        let skipped = ImageLoader.undecodableFiles(folder.files, chunk: 4) { progress.append($0) }
        #expect(Set(skipped.map(\.file)) == ["a/empty.jpg", "b/broken.png", "b/fake.jpg"])
        #expect(skipped.map(\.file) == folder.files.map(\.relativePath).filter { Set(skipped.map(\.file)).contains($0) })
        #expect(progress == [4, 6])
    }
}
