// Tests of the inference helpers behind `predict` and `decode`: natural order, listing the images of
// files and folders, labels.csv, the 8-bit model view and the Netpbm writer, and batch prediction.

import Foundation
import EmotionTestSupport
import Testing
import EmotionNN
import EmotionTraining
import ImageCodecs

@Suite("natural order")
struct NaturalOrderTests {
    @Test func digitRunsCompareByValue() {
        let names = ["10.jpg", "2.jpg", "1.jpg", "b/1.png", "a10.png", "a2.png", "A3.png", "01.jpg", "100.jpg", "9.jpg"]
        #expect(names.sorted(by: naturallyPrecedes)
            == ["1.jpg", "01.jpg", "2.jpg", "9.jpg", "10.jpg", "100.jpg", "a2.png", "A3.png", "a10.png", "b/1.png"])
    }

    @Test func orderIsTotalAndStrict() {
        #expect(!naturallyPrecedes("x2", "x2"))
        #expect(naturallyPrecedes("X2", "x2") != naturallyPrecedes("x2", "X2"))
        #expect(naturallyPrecedes("x", "x1") && !naturallyPrecedes("x1", "x"))
        // Numbers longer than any integer type still compare by value.
        #expect(naturallyPrecedes("99999999999999999999999.jpg", "100000000000000000000000.jpg"))
    }
}

@Suite("listing images")
struct InputFilesTests {
    @Test func foldersAreSearchedRecursivelyInNaturalOrder() throws {
        let folder = try TemporaryFolder()
        for name in ["10.jpg", "2.JPG", "1.png", "notes.txt", "sub/3.gif", "sub/20.bmp", ".hidden.jpg", "x.jpeg"] {
            try folder.write(name, [0])
        }
        let path = folder.url.path + "/"
        let listing = try InputFiles.list([path, folder.url.appendingPathComponent("2.JPG").path])
        #expect(listing.images.map(\.relativePath) == ["1.png", "2.JPG", "10.jpg", "sub/3.gif", "sub/20.bmp", "x.jpeg", "2.JPG"])
        #expect(listing.images.first?.displayPath == folder.url.path + "/1.png")
        #expect(listing.images.last?.displayPath == folder.url.path + "/2.JPG")
        #expect(listing.nonImages == [folder.url.path + "/notes.txt"])
        #expect(throws: InputListingError.pathMissing("no/such/thing")) { try InputFiles.list(["no/such/thing"]) }
    }

    @Test func aFolderGivenAsASymbolicLinkIsSearched() throws {
        let folder = try TemporaryFolder()
        for name in ["pictures/2.jpg", "pictures/1.png", "pictures/sub/3.gif"] {
            try folder.write(name, [0])
        }
        let link = folder.url.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: folder.url.appendingPathComponent("pictures"))
        let listing = try InputFiles.list([link.path])
        #expect(listing.images.map(\.relativePath) == ["1.png", "2.jpg", "sub/3.gif"])
        #expect(listing.images.first?.displayPath == link.path + "/1.png")
    }
}

@Suite("labels.csv")
struct ImageLabelsTests {
    @Test func parsesQuotedFieldsAndMatchesByPathThenName() throws {
        let labels = try ImageLabels(csv: "file,label\r\n1.jpg,sad\n\"sub/a, b.png\",happy\n\n./2.jpg , fear\n", path: "l.csv")
        #expect(labels.labelsByFile == ["1.jpg": "sad", "sub/a, b.png": "happy", "2.jpg": "fear"])
        #expect(labels.label(forRelativePath: "sub/a, b.png") == "happy")
        #expect(labels.label(forRelativePath: "deeper/1.jpg") == "sad")
        #expect(labels.label(forRelativePath: "3.jpg") == nil)
    }

    @Test func rejectsMalformedFiles() {
        #expect(throws: ImageLabelsError.malformed(path: "l.csv", line: 1, reason: "the header must be 'file,label'")) {
            try ImageLabels(csv: "1.jpg,sad\n", path: "l.csv")
        }
        #expect(throws: ImageLabelsError.malformed(path: "l.csv", line: 3, reason: "expected two non-empty fields file,label")) {
            try ImageLabels(csv: "file,label\n1.jpg,sad\n2.jpg\n", path: "l.csv")
        }
        #expect(throws: ImageLabelsError.malformed(path: "l.csv", line: 3, reason: "1.jpg is labelled both sad and happy")) {
            try ImageLabels(csv: "file,label\n1.jpg,sad\n1.jpg,happy\n", path: "l.csv")
        }
    }
}

@Suite("model view and Netpbm")
struct ModelViewTests {
    @Test func unresizedImagesKeepTheirBytesAndDropAlpha() {
        let rgba = Image(width: 2, height: 1, channels: 4, pixels: [1, 2, 3, 255, 4, 5, 6, 0])
        #expect(modelView(of: rgba, size: nil, keepGrey: false).pixels == [1, 2, 3, 4, 5, 6])
        let greyAlpha = Image(width: 2, height: 1, channels: 2, pixels: [7, 9, 200, 0])
        #expect(modelView(of: greyAlpha, size: nil, keepGrey: true) == Image(width: 2, height: 1, channels: 1, pixels: [7, 200]))
        #expect(modelView(of: greyAlpha, size: nil, keepGrey: false).pixels == [7, 7, 7, 200, 200, 200])
    }

    @Test func resizingUsesTheTrainingResizeRounded() {
        // 2x1 → 4x1 with half-pixel centres: positions -0.25, 0.25, 0.75, 1.25 → 10, 15, 25, 30 (clamped ends).
        let grey = Image(width: 2, height: 1, channels: 1, pixels: [10, 30])
        #expect(modelView(of: grey, size: (4, 1), keepGrey: true).pixels == [10, 15, 25, 30])
        // 3x1 → 2x1: positions 0.25 and 1.75 → 0 + 0.25·101 = 25.25 → 25, 101 + 0.75·99 = 175.25 → 175.
        let row = Image(width: 3, height: 1, channels: 1, pixels: [0, 101, 200])
        #expect(modelView(of: row, size: (2, 1), keepGrey: true).pixels == [25, 175])
        let resized = modelView(of: row, size: (2, 3), keepGrey: false)
        #expect((resized.width, resized.height, resized.channels) == (2, 3, 3))
        #expect(resized.pixels == Array(repeating: [25, 25, 25, 175, 175, 175], count: 3).flatMap { $0 })
    }

    @Test func netpbmHeaders() {
        let grey = Image(width: 2, height: 1, channels: 1, pixels: [0, 255])
        #expect(Netpbm.encode(grey) == Array("P5\n2 1\n255\n".utf8) + [0, 255])
        let rgb = Image(width: 1, height: 1, channels: 3, pixels: [1, 2, 3])
        #expect(Netpbm.encode(rgb) == Array("P6\n1 1\n255\n".utf8) + [1, 2, 3])
    }
}

@Suite("batch prediction")
struct PredictorTests {
    @Test func predictionsFollowTheInputOrderAcrossBatchesAndSkipUndecodableFiles() throws {
        let folder = try TemporaryFolder()
        var images: [InputImage] = []
        for index in 0..<5 {
            let pixels = (0..<(12 * 10 * 3)).map { UInt8(($0 * (index + 3)) % 256) }
            try folder.write("\(index).png", PNG.encode(Image(width: 12, height: 10, channels: 3, pixels: pixels)))
        }
        try folder.write("webp.png", Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8))
        let names = ["0.png", "webp.png", "1.png", "2.png", "3.png", "4.png"]
        images = try InputFiles.list(names.map { folder.url.appendingPathComponent($0).path }).images

        let model = try ModelZoo.make(name: "task1-small", classes: 3, seed: 11)
        let preprocessing = Preprocessing(height: 100, width: 100)
        let warnings = WarningLines()
        var predictions: [Prediction] = []
        let skipped = Predictor(model: model, preprocessing: preprocessing, batchSize: 2).predict(images, warn: warnings.add) {
            predictions.append($0)
        }
        #expect(predictions.map(\.image.relativePath) == ["0.png", "1.png", "2.png", "3.png", "4.png"])
        #expect(skipped.map(\.file) == [images[1].displayPath])
        #expect(skipped.first?.reason.hasPrefix("it is a WebP image") == true)
        #expect(warnings.all == ["Warning: skipping \(images[1].displayPath): \(skipped[0].reason)"])

        // The same probabilities as the model on the preprocessed images, all at once.
        let decoded = try [0, 2, 3, 4, 5].map { try decodeImage([UInt8](Data(contentsOf: images[$0].url))) }
        let batch = Tensor(shape: [5, 100, 100, 3], scalars: decoded.flatMap(preprocessing.modelInput(from:)))
        let expected = model.predict(batch).scalars
        let actual = predictions.flatMap(\.probabilities)
        #expect(actual.count == 15)
        #expect(zip(actual, expected).allSatisfy { abs($0 - $1) <= 1e-6 })
        for prediction in predictions {
            let top = prediction.top(3)
            #expect(top.map(\.probability) == prediction.probabilities.sorted(by: >))
            #expect(top[0].index == prediction.classIndex)
            #expect(abs(prediction.probabilities.reduce(0, +) - 1) < 1e-5)
        }
    }
}

