// Tests of `emotion decode` run as a child process: PNG → PPM/PGM/PNG round trips byte for byte,
// --resize dimensions and values, EXIF orientation, and the errors (bad output extension, colour to .pgm, bad input).

import Foundation
import EmotionTestSupport
import Testing
import ImageCodecs

@Suite struct DecodeCommandTests {
    private let rgb = Image(width: 5, height: 3, channels: 3, pixels: (0..<45).map { UInt8($0 * 5) })
    private let grey = Image(width: 4, height: 2, channels: 1, pixels: [0, 10, 20, 30, 200, 210, 220, 255])

    private func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    @Test func roundTripsWithoutResize() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try Data(PNG.encode(rgb)).write(to: temporary.url.appendingPathComponent("rgb.png"))
        try Data(PNG.encode(grey)).write(to: temporary.url.appendingPathComponent("grey.png"))

        let ppm = try Emotion.run(["decode", "rgb.png", "--output", "out.ppm"], in: temporary.url)
        #expect(ppm.status == 0, "\(ppm.stderr)")
        #expect(ppm.stdout == "Wrote out.ppm: 5x3 RGB (decoded rgb.png: 5x3)\n")
        #expect(try bytes(temporary.url.appendingPathComponent("out.ppm")) == Array("P6\n5 3\n255\n".utf8) + rgb.pixels)

        #expect(try Emotion.run(["decode", "grey.png", "--output", "grey.pgm"], in: temporary.url).status == 0)
        #expect(try bytes(temporary.url.appendingPathComponent("grey.pgm")) == Array("P5\n4 2\n255\n".utf8) + grey.pixels)

        // Grey becomes RGB in .ppm and .png, as the model is fed.
        #expect(try Emotion.run(["decode", "grey.png", "--output", "grey.ppm"], in: temporary.url).status == 0)
        let tripled = grey.pixels.flatMap { [$0, $0, $0] }
        #expect(try bytes(temporary.url.appendingPathComponent("grey.ppm")) == Array("P6\n4 2\n255\n".utf8) + tripled)
        #expect(try Emotion.run(["decode", "grey.png", "--output", "grey-rgb.png"], in: temporary.url).status == 0)
        let decoded = try decodeImage(try bytes(temporary.url.appendingPathComponent("grey-rgb.png")))
        #expect(decoded == Image(width: 4, height: 2, channels: 3, pixels: tripled))
    }

    @Test func resizesWithTheTrainingResize() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let row = Image(width: 3, height: 1, channels: 1, pixels: [0, 101, 200])
        try Data(PNG.encode(row)).write(to: temporary.url.appendingPathComponent("row.png"))
        let result = try Emotion.run(["decode", "row.png", "--output", "small.pgm", "--resize", "2x3"], in: temporary.url)
        #expect(result.status == 0, "\(result.stderr)")
        // Half-pixel centres: 0 + 0.25·101 = 25.25 → 25 and 101 + 0.75·99 = 175.25 → 175, rows repeated.
        #expect(try bytes(temporary.url.appendingPathComponent("small.pgm"))
            == Array("P5\n2 3\n255\n".utf8) + [25, 175, 25, 175, 25, 175])

        try Data(PNG.encode(rgb)).write(to: temporary.url.appendingPathComponent("rgb.png"))
        #expect(try Emotion.run(["decode", "rgb.png", "--output", "big.png", "--resize", "100x80"], in: temporary.url).status == 0)
        let big = try decodeImage(try bytes(temporary.url.appendingPathComponent("big.png")))
        #expect((big.width, big.height, big.channels) == (100, 80, 3))
    }

    /// A JPEG with EXIF orientation 6 and Pillow's decode of its stored pixels (the codec's fixtures).
    private static let orientationFixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImageCodecsTests/Fixtures/jpeg/exif_orientation6.jpg")

    @Test func appliesTheEXIFOrientationUnlessAskedNotTo() throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        let jpeg = Self.orientationFixture.path
        let reference = try bytes(Self.orientationFixture.deletingPathExtension().appendingPathExtension("ppm"))
        let header = Array("P6\n37 29\n255\n".utf8)
        try #require(Array(reference.prefix(header.count)) == header)
        let stored = Array(reference.dropFirst(header.count))

        #expect(try Emotion.run(["decode", jpeg, "--output", "stored.ppm", "--no-orientation"], in: temporary.url).status == 0)
        #expect(try bytes(temporary.url.appendingPathComponent("stored.ppm")) == reference)

        // Orientation 6: rotated 90° clockwise, so output (x, y) is stored pixel (y, 28 - x) of the 37x29 image.
        #expect(try Emotion.run(["decode", jpeg, "--output", "upright.ppm"], in: temporary.url).status == 0)
        var rotated: [UInt8] = []
        for y in 0..<37 {
            for x in 0..<29 {
                let source = ((28 - x) * 37 + y) * 3
                rotated += stored[source..<(source + 3)]
            }
        }
        #expect(try bytes(temporary.url.appendingPathComponent("upright.ppm")) == Array("P6\n29 37\n255\n".utf8) + rotated)
    }

    @Test(arguments: [
        (["decode", "rgb.png", "--output", "out.jpg"], "Error: '--output' must end in .ppm, .pgm, .png, got 'out.jpg'"),
        (["decode", "rgb.png", "--output", "out.ppm", "--resize", "0x10"],
         "Error: '--resize' expects WxH with sides from 1 to 16384 (e.g. 100x100), got '0x10'"),
        (["decode", "rgb.png", "--output", "out.pgm"],
         "Error: rgb.png is a colour image and .pgm holds grey only: write .ppm or .png instead"),
        (["decode", "missing.png", "--output", "out.ppm"], "Error: missing.png does not exist"),
        (["decode", "fake.jpg", "--output", "out.ppm"], "Error: cannot decode fake.jpg: it is a WebP image"),
        (["decode", "rgb.png"], "Error: missing required option '--output <file>'"),
    ])
    func errorsExitTwoAndWriteNothing(arguments: [String], message: String) throws {
        let temporary = try TemporaryFolder()
        defer { temporary.remove() }
        try Data(PNG.encode(rgb)).write(to: temporary.url.appendingPathComponent("rgb.png"))
        try Data("RIFF\0\0\0\0WEBPVP8 ".utf8).write(to: temporary.url.appendingPathComponent("fake.jpg"))
        let result = try Emotion.run(arguments, in: temporary.url)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.url.path).sorted() == ["fake.jpg", "rgb.png"])
    }
}
