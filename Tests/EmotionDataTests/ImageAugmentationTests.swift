// The augmentation ops against Keras 3.15's preprocessing layers with the random factor pinned
// (Fixtures/augmentation.json, made by Fixtures/make_augmentation_fixtures.py), the composition of the
// geometric ops into one warp, the random draws, and the --augment spec.

import Foundation
import Testing
import EmotionTensor
@testable import EmotionData

private struct AugmentationFixture: Decodable {
    struct Case: Decodable {
        let op: String
        let value: [Float]
        let expected: [Float]
    }
    let keras: String
    let height: Int
    let width: Int
    let channels: Int
    let image: [Float]
    let contrast_factor_range: [Float]
    let cases: [Case]
    struct ErasingMask: Decodable {
        let box: [Float]
        let mask: [Int]
    }
    let erasing_masks: [ErasingMask]
}

private func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// `draw` applied to a copy of `image` [height, width, channels].
private func applying(_ draw: ImageAugmentation.Draw, to image: [Float], height: Int, width: Int) -> [Float] {
    var output = image
    output.withUnsafeMutableBufferPointer {
        draw.apply(to: $0.baseAddress!, height: height, width: width, channels: image.count / (height * width))
    }
    return output
}

/// `augmentation` applied to a copy of `image` with choices from `generator`.
private func applying(
    _ augmentation: ImageAugmentation, to image: [Float], height: Int, width: Int, using generator: inout SeededGenerator
) -> [Float] {
    var output = image
    output.withUnsafeMutableBufferPointer {
        augmentation.apply(to: $0.baseAddress!, height: height, width: width, channels: 3, using: &generator)
    }
    return output
}

/// A random image with values 0...255.
private func randomImage(height: Int, width: Int, channels: Int = 3, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<(height * width * channels)).map { _ in (255 * generator.nextUnitFloat()).rounded() }
}

@Suite struct ImageAugmentationTests {
    @Test func eachOpMatchesKerasWithItsFactorPinned() throws {
        let fixture = try jsonFixture("augmentation.json", as: AugmentationFixture.self)
        #expect(fixture.keras.hasPrefix("3.15"))
        #expect(fixture.cases.count == 12)
        let (height, width) = (fixture.height, fixture.width)
        for testCase in fixture.cases {
            let v = testCase.value
            let draw: ImageAugmentation.Draw
            switch testCase.op {
            case "flip": draw = .init(transform: RandomFlip.transform(width: width))
            case "rotation": draw = .init(transform: RandomRotation.transform(turns: v[0], height: height, width: width))
            case "zoom": draw = .init(transform: RandomZoom.transform(f: v[0], height: height, width: width))
            case "translation":
                draw = .init(transform: RandomTranslation.transform(fy: v[0], fx: v[1], height: height, width: width))
            case "contrast": draw = .init(contrast: v[0])
            case "brightness": draw = .init(brightness: v[0])
            default: Issue.record("unknown op \(testCase.op)"); continue
            }
            let output = applying(draw, to: fixture.image, height: height, width: width)
            let difference = maxAbsoluteDifference(output, testCase.expected)
            // Keras computes its maps in float32 too; 2e-3 on the 0...255 scale is float rounding.
            #expect(difference <= 2e-3, "\(testCase.op) \(v): max difference \(difference)")
            #expect(output != fixture.image, "\(testCase.op) \(v) changed nothing")
        }
        // The reason RandomContrast follows Keras's documentation instead of Keras 3.15's draw.
        #expect(fixture.contrast_factor_range == [0, 0.2])
    }

    @Test func grayscaleMatchesKeras() {
        // Keras 3.15.1: `RandomGrayscale(factor=1.0)(x, training=True)` on this 2x2 RGB image (run once by hand;
        // its weights sum to 0.9999, so grey 77 becomes 76.9923).
        let image: [Float] = [10, 200, 30, 255, 0, 128, 0, 0, 255, 77, 77, 77]
        let keras: [Float] = [123.809, 90.811508, 29.07, 76.992302].flatMap { [$0, $0, $0] }
        #expect(maxAbsoluteDifference(applying(.init(grayscale: true), to: image, height: 2, width: 2), keras) < 1e-4)
        #expect(applying(.init(grayscale: false), to: image, height: 2, width: 2) == image)
        // A one-channel image is already grey.
        #expect(applying(.init(grayscale: true), to: [10, 200, 30, 255], height: 2, width: 2) == [10, 200, 30, 255])
        // It turns a share `factor` of the images grey.
        var generator = SeededGenerator(seed: 3)
        let draws = (0..<4000).map { _ in RandomGrayscale(factor: 0.3).draw(using: &generator) }
        #expect(abs(Double(draws.filter { $0 }.count) / 4000 - 0.3) < 0.03)  // 4.1 standard deviations
    }

    @Test func erasingErasesKerasBoxWithClippedNoise() throws {
        let fixture = try jsonFixture("augmentation.json", as: AugmentationFixture.self)
        let (height, width) = (fixture.height, fixture.width)
        // Values 1...254, so an erased value (noise: 0, 255 or a fraction) always differs from the original.
        let image = randomImage(height: height, width: width, seed: 7).map { min(max($0, 1), 254) }
        #expect(fixture.erasing_masks.count == 3)
        for (index, reference) in fixture.erasing_masks.enumerated() {
            let b = reference.box
            let box = RandomErasing.Box(x0: b[0], x1: b[1], y0: b[2], y1: b[3], noiseSeed: UInt64(index))
            let output = applying(.init(erased: box), to: image, height: height, width: width)
            for p in 0..<(height * width) {
                for c in 0..<3 {
                    let changed = output[p * 3 + c] != image[p * 3 + c]
                    #expect(changed == (reference.mask[p] == 1), "box \(b), pixel \(p) channel \(c)")
                }
            }
        }
        // The fill is N(0, 1)·255 clipped to 0...255: half the values 0, 15.9% 255, the rest in between.
        let (size, box) = (100, RandomErasing.Box(x0: 0, x1: 100, y0: 0, y1: 100, noiseSeed: 11))
        let grey = [Float](repeating: 128, count: size * size * 3)
        let noise = applying(.init(erased: box), to: grey, height: size, width: size)
        let share = { (value: Float) in Double(noise.filter { $0 == value }.count) / Double(noise.count) }
        #expect(abs(share(0) - 0.5) < 0.015 && abs(share(255) - 0.1587) < 0.01)  // > 5 standard deviations
        #expect(noise.allSatisfy { ImageAugmentation.valueRange.contains($0) })
    }

    @Test func erasingDrawsKerasBoxesAtHalfTheFactor() {
        // One factor f: the probability is drawn from [0, f] (Keras's convention), so f / 2 of the images are
        // erased; each side is √u of the image's, u in [0.02, 0.33], and the box lies inside the image.
        var generator = SeededGenerator(seed: 5)
        let (height, width) = (40, 30)
        let erasing = RandomErasing(factor: 0.6)
        let boxes = (0..<4000).map { _ in erasing.draw(height: height, width: width, using: &generator) }
        let erased = boxes.compactMap { $0 }
        #expect(abs(Double(erased.count) / 4000 - 0.3) < 0.03)  // 4.1 standard deviations
        let sides: ClosedRange<Float> = (Float(0.02).squareRoot() - 1e-5)...(Float(0.33).squareRoot() + 1e-5)
        for box in erased {
            #expect(box.x0 >= 0 && box.x1 <= Float(width) + 1e-4 && box.y0 >= 0 && box.y1 <= Float(height) + 1e-4)
            #expect(sides.contains((box.x1 - box.x0) / Float(width)))
            #expect(sides.contains((box.y1 - box.y0) / Float(height)))
        }
        // Different boxes from different draws.
        #expect(Set(erased.map { $0.x0 }).count > erased.count / 2)
    }

    @Test func mirroringIsExact() {
        let image = randomImage(height: 5, width: 4, seed: 3)
        let output = applying(.init(transform: RandomFlip.transform(width: 4)), to: image, height: 5, width: 4)
        for y in 0..<5 {
            for x in 0..<4 {
                for c in 0..<3 { #expect(output[(y * 4 + x) * 3 + c] == image[(y * 4 + 3 - x) * 3 + c]) }
            }
        }
    }

    @Test func composedMapsAreTheSequentialMaps() {
        let flip = RandomFlip.transform(width: 9)
        let rotation = RandomRotation.transform(turns: 0.04, height: 7, width: 9)
        let zoom = RandomZoom.transform(f: -0.1, height: 7, width: 9)
        let composed = flip * rotation * zoom
        for (x, y) in [(0, 0), (8, 6), (3, 2), (5, 1)] as [(Float, Float)] {
            let throughZoom = zoom.inputPoint(x: x, y: y)
            let throughRotation = rotation.inputPoint(x: throughZoom.x, y: throughZoom.y)
            let expected = flip.inputPoint(x: throughRotation.x, y: throughRotation.y)
            let point = composed.inputPoint(x: x, y: y)
            #expect(abs(point.x - expected.x) < 1e-4 && abs(point.y - expected.y) < 1e-4)
        }
        // Mirroring is exact, so flip-then-rotate as one warp equals the two warps one after the other;
        // the other order is a different image.
        let image = randomImage(height: 7, width: 9, seed: 5)
        let sequential = applying(.init(transform: rotation), to: applying(.init(transform: flip), to: image, height: 7, width: 9),
                                  height: 7, width: 9)
        #expect(maxAbsoluteDifference(applying(.init(transform: flip * rotation), to: image, height: 7, width: 9), sequential) < 1e-3)
        #expect(maxAbsoluteDifference(applying(.init(transform: rotation * flip), to: image, height: 7, width: 9), sequential) > 1)
    }

    @Test func reflectionFollowsTensorFlow() {
        // count 4: d c b a | a b c d | d c b a about −0.5 and 3.5, the half pixel beyond a border clamped.
        let cases: [(Float, Float)] = [(-1, 0), (-1.5, 0.5), (-4, 3), (-0.25, 0), (3.25, 3), (4, 3), (5.5, 1.5),
                                       (8, 0), (1.75, 1.75)]
        for (input, expected) in cases {
            #expect(AffineTransform.reflect(input, count: 4) == expected, "reflect(\(input))")
        }
        #expect(AffineTransform.reflect(7, count: 1) == 0)
    }

    @Test func noneAndPhotometricOnlyKeepTheGeometry() throws {
        let image = randomImage(height: 6, width: 5, seed: 9)
        var generator = SeededGenerator(seed: 1)
        #expect(applying(.none, to: image, height: 6, width: 5, using: &generator) == image)
        let brightness = ImageAugmentation(brightness: RandomBrightness(factor: 0.2))
        let draw = brightness.draw(height: 6, width: 5, using: &generator)
        #expect(draw.transform == nil && draw.contrast == nil)
        let output = applying(draw, to: image, height: 6, width: 5)
        let delta = try #require(draw.brightness) * 255
        #expect(zip(output, image).allSatisfy { abs($0 - min(max($1 + delta, 0), 255)) < 1e-4 })
    }

    @Test func drawsCoverTheirRangesAndAreReproducible() throws {
        var generator = SeededGenerator(seed: 42)
        let augmentation = try ImageAugmentation(spec: "flip,rotation=0.05,zoom=0.1,translation=0.1,contrast=0.2,brightness=0.1")
        var flips = 0, rotations: [Float] = [], contrasts: [Float] = [], brightnesses: [Float] = []
        let draws = 4000
        for _ in 0..<draws {
            let flipped = augmentation.flip!.draw(using: &generator)
            flips += flipped ? 1 : 0
            rotations.append(augmentation.rotation!.draw(using: &generator))
            contrasts.append(augmentation.contrast!.draw(using: &generator))
            brightnesses.append(augmentation.brightness!.draw(using: &generator))
        }
        #expect(abs(Double(flips) / Double(draws) - 0.5) < 0.03)  // 4.7 standard deviations
        for (values, low, high) in [(rotations, -0.05, 0.05), (contrasts, 0.8, 1.2), (brightnesses, -0.1, 0.1)] as [([Float], Float, Float)] {
            #expect(values.allSatisfy { $0 >= low && $0 <= high }, "outside [\(low), \(high)]")
            let span = high - low
            #expect(values.min()! < low + 0.01 * span && values.max()! > high - 0.01 * span, "does not reach the ends")
            let mean = values.reduce(0, +) / Float(values.count)
            #expect(abs(mean - (low + high) / 2) < 0.03 * span, "mean \(mean)")
            // Uniform: each quarter of the range holds about a quarter of the draws.
            for quarter in 0..<4 {
                let start = low + Float(quarter) * span / 4
                let share = Double(values.filter { $0 >= start && $0 < start + span / 4 }.count) / Double(draws)
                #expect(abs(share - 0.25) < 0.03, "quarter \(quarter): \(share)")
            }
        }
        var first = SeededGenerator(seed: 7), second = SeededGenerator(seed: 7), other = SeededGenerator(seed: 8)
        let a = augmentation.draw(height: 10, width: 12, using: &first)
        #expect(a == augmentation.draw(height: 10, width: 12, using: &second))
        #expect(a != augmentation.draw(height: 10, width: 12, using: &other))
    }

    @Test func eachSampleOfEachEpochHasItsOwnStream() {
        // What a worker thread computes for (seed, epoch, sample) does not depend on what it computed before.
        let image = randomImage(height: 9, width: 8, seed: 12)
        func augmented(seed: UInt64, epoch: Int, sample: Int) -> [Float] {
            var output = image
            output.withUnsafeMutableBufferPointer {
                ImageAugmentation.standard.apply(to: $0.baseAddress!, height: 9, width: 8, channels: 3,
                                                 seed: seed, epoch: epoch, sample: sample)
            }
            return output
        }
        let reference = augmented(seed: 1, epoch: 2, sample: 3)
        _ = augmented(seed: 1, epoch: 2, sample: 4)
        #expect(augmented(seed: 1, epoch: 2, sample: 3) == reference)
        for other in [augmented(seed: 1, epoch: 3, sample: 3), augmented(seed: 1, epoch: 2, sample: 4),
                      augmented(seed: 2, epoch: 2, sample: 3)] {
            #expect(other != reference)
        }
        var generator = ImageAugmentation.generator(seed: 1, epoch: 2, sample: 3)
        #expect(applying(.standard, to: image, height: 9, width: 8, using: &generator) == reference)
    }

    @Test func translationDrawsRowsAndColumnsIndependently() {
        var generator = SeededGenerator(seed: 11)
        let translation = RandomTranslation(factor: 0.2)
        let shifts = (0..<2000).map { _ in translation.draw(using: &generator) }
        #expect(shifts.allSatisfy { abs($0.fy) <= 0.2 && abs($0.fx) <= 0.2 })
        let sameSign = shifts.filter { ($0.fy > 0) == ($0.fx > 0) }.count
        #expect(abs(Double(sameSign) / 2000 - 0.5) < 0.05)
    }

    @Test func augmentedImagesStayInTheValueRange() throws {
        let image = randomImage(height: 12, width: 10, seed: 4)
        var generator = SeededGenerator(seed: 6)
        let strong = try ImageAugmentation(spec: "flip,rotation=0.2,zoom=0.5,translation=0.3,contrast=0.9,brightness=0.5")
        for _ in 0..<20 {
            let output = applying(strong, to: image, height: 12, width: 10, using: &generator)
            #expect(output.allSatisfy { ImageAugmentation.valueRange.contains($0) })
        }
    }

    @Test func specRoundTripsAndNamesBadItems() throws {
        let spec = "flip,rotation=0.03,zoom=0.05,translation=0.05,contrast=0.1"
        #expect(try ImageAugmentation(spec: spec) == .standard)
        #expect(ImageAugmentation.standard.description == spec)
        #expect(try ImageAugmentation(spec: "standard") == .standard)
        #expect(try ImageAugmentation(spec: " zoom=0.2 , flip ").description == "flip,zoom=0.2")
        #expect(try ImageAugmentation(spec: "standard,rotation=0.02").rotation == RandomRotation(factor: 0.02))
        #expect(try ImageAugmentation(spec: "none").isNone)
        #expect(try ImageAugmentation(spec: "grayscale=0.5,flip").description == "flip,grayscale=0.5")
        #expect(try ImageAugmentation(spec: "standard,grayscale=1").withoutFlip.flip == nil)
        #expect(try ImageAugmentation(spec: "erasing=0.5,flip,grayscale=0.5").description == "flip,grayscale=0.5,erasing=0.5")
        #expect(try ImageAugmentation(spec: "erasing=1").erasing == RandomErasing(factor: 1))
        #expect(ImageAugmentation.none.description == "none")
        // Faces: never vertical flips (there are none) or quarter turns.
        #expect(ImageAugmentation.standard.rotation!.factor < 0.25)

        let bad: [(String, String, String)] = [
            ("zoom=1.5", "zoom=1.5", "the zoom factor must be in (0, 1)"),
            ("flip,rotaton=0.1", "rotaton=0.1", "unknown"),
            ("flip=0.5", "flip=0.5", "flip takes no value"),
            ("rotation", "rotation", "needs a factor"),
            ("contrast=abc", "contrast=abc", "abc is not a number"),
            ("flip,zoom=0.1,flip", "flip", "flip appears twice"),
            ("flip,", "", "empty item"),
            ("", "", "empty item"),
            ("flip,none", "none", "must be the whole spec"),
            ("brightness=-0.1", "brightness=-0.1", "must be in (0, 1]"),
            ("grayscale=0", "grayscale=0", "must be in (0, 1]"),
            ("erasing=1.5", "erasing=1.5", "must be in (0, 1]"),
        ]
        for (spec, item, problem) in bad {
            #expect {
                try ImageAugmentation(spec: spec)
            } throws: { error in
                let error = error as? AugmentationSpecError
                return error?.item == item && error?.problem.contains(problem) == true
                    && error?.description.contains("\"\(item)\"") == true
            }
        }
    }

    @Test func codableAsItsSpec() throws {
        let data = try JSONEncoder().encode(["augmentation": ImageAugmentation.standard])
        #expect(String(decoding: data, as: UTF8.self).contains(ImageAugmentation.standard.description))
        #expect(try JSONDecoder().decode([String: ImageAugmentation].self, from: data)["augmentation"] == .standard)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([ImageAugmentation].self, from: Data(#"["zoom=2"]"#.utf8))
        }
    }
}
