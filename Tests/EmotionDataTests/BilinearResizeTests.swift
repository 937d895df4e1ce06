// The resize against TensorFlow's bilinear formula (Fixtures/resize.json, made by
// Fixtures/make_fixtures.py, which also checks that torch's bilinear interpolate agrees with it).
import ImageCodecs
import Testing
import EmotionData

private struct ResizeFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let width: Int
        let height: Int
        let channels: Int
        let pixels: [UInt8]
        let outWidth: Int
        let outHeight: Int
        let expectedRGB: [Float]
    }
    let cases: [Case]
}

@Suite struct BilinearResizeTests {
    @Test func matchesTensorFlowBilinearWithHalfPixelCentres() throws {
        let fixture = try jsonFixture("resize.json", as: ResizeFixture.self)
        #expect(fixture.cases.count == 4)
        for testCase in fixture.cases {
            let image = Image(width: testCase.width, height: testCase.height, channels: testCase.channels,
                              pixels: testCase.pixels)
            let resized = resizedRGB(image, height: testCase.outHeight, width: testCase.outWidth)
            #expect(resized.count == testCase.expectedRGB.count, "\(testCase.name)")
            let difference = zip(resized, testCase.expectedRGB).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-4, "\(testCase.name): max abs difference \(difference)")
        }
    }

    @Test func sameSizePassesThroughAsRGB() {
        let grey = Image(width: 2, height: 2, channels: 2, pixels: [10, 255, 20, 0, 30, 7, 40, 9])
        #expect(resizedRGB(grey, height: 2, width: 2) == [10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40])
        let rgba = Image(width: 1, height: 2, channels: 4, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(resizedRGB(rgba, height: 2, width: 1) == [1, 2, 3, 5, 6, 7])
    }

    @Test func halvingAveragesPixelPairs() {
        // Half-pixel centres put each output sample exactly between two source pixels when halving.
        let image = Image(width: 4, height: 1, channels: 1, pixels: [0, 100, 200, 50])
        #expect(resizedRGB(image, height: 1, width: 2) == [50, 50, 50, 125, 125, 125])
    }

    @Test func unitScaleMultipliesByOneOver255() {
        let image = Image(width: 1, height: 1, channels: 3, pixels: [255, 51, 0])
        let unit = Preprocessing(height: 1, width: 1, scale: .unit).modelInput(from: image)
        #expect(unit == [255 * Float(1.0 / 255.0), 51 * Float(1.0 / 255.0), 0])
        #expect(abs(unit[1] - 0.2) < 1e-7)
        #expect(Preprocessing(height: 1, width: 1, scale: .raw).modelInput(from: image) == [255, 51, 0])
    }
}
