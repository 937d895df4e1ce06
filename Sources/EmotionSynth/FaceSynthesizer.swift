// `emotion synth`: a procedural data set of cartoon faces showing six expressions, drawn from a seed,
// so that the project can be tried without downloading any photos.
import Dispatch
import Foundation
import ImageCodecs

/// The six expressions of the data sets `emotion` is built for, in their (sorted) class order.
public enum FacialExpression: String, CaseIterable, Sendable {
    case anger, disgust, fear, happy, sad, surprise
}

/// Draws faces whose brows, eyes and mouth show an expression, each with its own position, size, tilt,
/// skin tone, hair, lighting gradient, background, noise and (a quarter of them) in grey. Every image
/// depends only on (seed, expression, index), so a larger `perClass` adds images and keeps the others.
///
/// Face coordinates: the origin at the centre of the face, the face's horizontal radius is 1, y points down.
public struct FaceSynthesizer: Sendable {
    /// The defaults make the demo set shipped in `Data/` (about 6 MB).
    public static let defaultPerClass = 60
    public static let defaultSize = 100
    public static let defaultSeed: UInt64 = 7

    public init() {}

    /// The image of `expression` number `index` (0-based) for `seed`, `size` x `size` pixels.
    public func image(of expression: FacialExpression, index: Int, seed: UInt64, size: Int) -> Image {
        precondition(size >= 16, "FaceSynthesizer: images smaller than 16 pixels cannot show a face")
        let classIndex = UInt64(FacialExpression.allCases.firstIndex(of: expression)!)
        var mixer = SplitMix64(seed: seed)
        let base = mixer.next()
        var drawing = FaceDrawing(
            expression: expression, size: size,
            seed: base ^ (classIndex &* 0xD1B5_4A32_D192_ED03) ^ (UInt64(index) &* 0x8CB9_2BA7_2F3D_8DD7))
        return drawing.draw()
    }

    /// Writes `perClass` images of each expression to `<directory>/<class>/<class>_0001.png` and returns
    /// how many files it wrote. Class folders holding other files are an error, so that no images of an
    /// earlier run are left mixed in.
    public func write(to directory: URL, perClass: Int, seed: UInt64, size: Int) throws -> Int {
        guard perClass > 0 else { throw SynthesisError.invalidCount(perClass) }
        guard size >= 16 else { throw SynthesisError.invalidSize(size) }
        let fileManager = FileManager.default
        let plan = FacialExpression.allCases.map { expression in
            (expression, directory.appendingPathComponent(expression.rawValue),
             (1...perClass).map { String(format: "%@_%04d.png", expression.rawValue, $0) })
        }
        // Checked for every class before anything is written.
        for (_, folder, names) in plan {
            if let existing = try? fileManager.contentsOfDirectory(atPath: folder.path) {
                let others = Set(existing).subtracting(names)
                if !others.isEmpty { throw SynthesisError.folderHoldsOtherFiles(path: folder.path, count: others.count) }
            }
        }
        var written = 0
        for (expression, folder, names) in plan {
            do {
                try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
                for (name, png) in zip(names, encodedImages(of: expression, count: perClass, seed: seed, size: size)) {
                    try Data(png).write(to: folder.appendingPathComponent(name), options: .atomic)
                    written += 1
                }
            } catch {
                throw SynthesisError.cannotWrite(path: folder.path, reason: error.localizedDescription)
            }
        }
        return written
    }

    /// PNG files of the first `count` images of `expression`, drawn on all cores.
    private func encodedImages(of expression: FacialExpression, count: Int, seed: UInt64, size: Int) -> [[UInt8]] {
        var files = [[UInt8]](repeating: [], count: count)
        files.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes only its own slot.
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: count) { index in
                slots[index] = PNG.encode(image(of: expression, index: index, seed: seed, size: size))
            }
        }
        return files
    }
}

/// Why a synthetic data set could not be written.
public enum SynthesisError: Error, Equatable, CustomStringConvertible {
    case invalidCount(Int)
    case invalidSize(Int)
    case folderHoldsOtherFiles(path: String, count: Int)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidCount(let count):
            return "the number of images per class must be at least 1, got \(count)"
        case .invalidSize(let size):
            return "the image size must be at least 16 pixels, got \(size)"
        case .folderHoldsOtherFiles(let path, let count):
            return "\(path) already holds \(count) file(s) this run would not write; choose an empty output folder"
        case .cannotWrite(let path, let reason):
            return "cannot write images to \(path): \(reason)"
        }
    }
}

/// One face being drawn, from its own random stream.
private struct FaceDrawing {
    private var canvas: Canvas
    private var random: SplitMix64
    private let frame: Frame
    private let expression: FacialExpression
    /// How far the features move from neutral towards the full expression (0...1).
    private let intensity: Float
    /// Which side an asymmetric expression (disgust) favours: -1 or 1.
    private let side: Float

    init(expression: FacialExpression, size: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let s = Float(size)
        frame = Frame(
            centre: Point(s * (0.5 + random.uniform(-0.06, 0.06)), s * (0.46 + random.uniform(-0.05, 0.05))),
            scale: s * random.uniform(0.23, 0.28),
            angle: random.uniform(-0.15, 0.15))
        intensity = random.uniform(0.85, 1)
        side = random.chance(0.5) ? -1 : 1
        canvas = Canvas(size: size, colour: .zero)
        self.expression = expression
        self.random = random
    }

    /// Paints the face, back to front, and returns it as 8-bit pixels.
    mutating func draw() -> Image {
        let colours = drawBackgroundAndHead()
        drawBrows(hair: colours.hair)
        drawEyes(skin: colours.skin)
        drawNose(skin: colours.skin)
        drawMouth(skin: colours.skin)
        drawLinesOfTheExpression(skin: colours.skin)

        let angle = random.uniform(0, 2 * .pi)
        canvas.light(brightness: random.uniform(0.85, 1.1), strength: random.uniform(0, 0.25),
                     direction: Point(cos(angle), sin(angle)))
        canvas.addNoise(sigma: random.uniform(0.003, 0.012), using: &random)
        return canvas.image(grey: random.chance(0.25))
    }

    private mutating func jitter(_ amount: Float = 0.025) -> Float { random.uniform(-amount, amount) }

    /// A neutral value moved towards the expression's by the face's intensity.
    private func towards(_ neutral: Float, _ expressive: Float) -> Float {
        neutral + (expressive - neutral) * intensity
    }

    private mutating func randomColour(_ low: Colour, _ high: Colour) -> Colour {
        Colour(random.uniform(low.x, high.x), random.uniform(low.y, high.y), random.uniform(low.z, high.z))
    }

    /// Background, clutter, shoulders, hair, ears and the face; returns the skin and hair colours.
    private mutating func drawBackgroundAndHead() -> (skin: Colour, hair: Colour) {
        let angle = random.uniform(0, 2 * .pi)
        canvas.fillGradient(from: randomColour(.init(repeating: 0.25), .init(repeating: 0.9)),
                            to: randomColour(.init(repeating: 0.25), .init(repeating: 0.9)),
                            direction: Point(cos(angle), sin(angle)))
        let size = Float(canvas.size)
        for _ in 0..<Int(random.uniform(0, 3)) {
            let centre = Point(random.uniform(0, size), random.uniform(0, size))
            let radii = Point(random.uniform(0.05, 0.2), random.uniform(0.05, 0.2)) * size
            canvas.draw(.ellipse(centre: centre, radii: radii), randomColour(.init(repeating: 0.1), .init(repeating: 1)),
                        in: .pixels, opacity: random.uniform(0.15, 0.45))
        }

        // Skin from pale to dark brown, hair from black to blond or grey.
        let pale = Colour(0.98, 0.84, 0.73), dark = Colour(0.36, 0.23, 0.16)
        let tone = pale + (dark - pale) * random.uniform(0, 1) + Colour(jitter(0.03), jitter(0.03), jitter(0.03))
        let hairChoices: [Colour] = [.init(0.08, 0.06, 0.05), .init(0.3, 0.18, 0.1), .init(0.55, 0.4, 0.2),
                                     .init(0.8, 0.68, 0.42), .init(0.6, 0.6, 0.6)]
        let hair = hairChoices[Int(random.uniform(0, Float(hairChoices.count)))] * random.uniform(0.85, 1.1)
        let clothes = randomColour(.init(repeating: 0.05), .init(repeating: 0.9))

        canvas.draw(.ellipse(centre: Point(0, 2.35), radii: Point(random.uniform(1.6, 2.2), 0.9)), clothes, in: frame)
        canvas.draw(.polygon([Point(-0.42, 0.8), Point(0.42, 0.8), Point(0.5, 1.7), Point(-0.5, 1.7)]),
                    tone * 0.9, in: frame)
        let hasHair = random.chance(0.85)
        let hairLength = random.uniform(-0.2, 0.9)
        if hasHair {
            canvas.draw(.ellipse(centre: Point(0, -0.2 + hairLength / 2), radii: Point(1.12, 1.2 + hairLength / 2)),
                        hair, in: frame)
        }
        for sign: Float in [-1, 1] {
            canvas.draw(.ellipse(centre: Point(sign * 0.98, 0), radii: Point(0.16, 0.27)), tone * 0.93, in: frame)
        }
        canvas.draw(.ellipse(centre: .zero, radii: Point(1, random.uniform(1.18, 1.32))), tone, in: frame)
        if hasHair && random.chance(0.6) {
            // A fringe over the forehead, kept above the brows.
            let height = random.uniform(-0.95, -0.78)
            canvas.draw(.intersection(.ellipse(centre: Point(0, -0.2), radii: Point(1.12, 1.1)),
                                      .halfPlane(point: Point(0, height), normal: Point(jitter(0.2), 1))),
                        hair, in: frame)
        }
        return (tone, hair)
    }

    private mutating func drawBrows(hair: Colour) {
        // (inner height, outer height, arch height, thickness) of the full expression; neutral is
        // (-0.42, -0.42, -0.48, 0.045). The inner end sits near the nose.
        let neutral: (inner: Float, outer: Float, arch: Float, thickness: Float) = (-0.42, -0.42, -0.48, 0.055)
        // Brows darker than the hair, so that they show on every face.
        let colour = hair * 0.45 + Colour(repeating: 0.02)
        for sign: Float in [-1, 1] {
            var target: (inner: Float, outer: Float, arch: Float, thickness: Float)
            switch expression {
            case .anger: target = (-0.24, -0.52, -0.4, 0.075)
            case .disgust: target = sign == side ? (-0.3, -0.36, -0.36, 0.055) : (-0.33, -0.5, -0.45, 0.055)
            case .fear: target = (-0.64, -0.44, -0.62, 0.045)
            case .happy: target = (-0.44, -0.44, -0.54, 0.055)
            case .sad: target = (-0.64, -0.3, -0.5, 0.055)
            case .surprise: target = (-0.66, -0.6, -0.84, 0.045)
            }
            let inner = Point(sign * 0.14, towards(neutral.inner, target.inner) + jitter())
            let outer = Point(sign * 0.64, towards(neutral.outer, target.outer) + jitter())
            let arch = Point(sign * 0.42, towards(neutral.arch, target.arch) + jitter())
            let thickness = towards(neutral.thickness, target.thickness) * random.uniform(0.8, 1.25)
            canvas.draw(.stroke(Shape.curve(inner, arch, outer), halfWidth: thickness), colour, in: frame)
        }
    }

    private mutating func drawEyes(skin: Colour) {
        let irisChoices: [Colour] = [.init(0.3, 0.18, 0.08), .init(0.15, 0.1, 0.05), .init(0.25, 0.45, 0.7),
                                     .init(0.3, 0.5, 0.3)]
        let iris = irisChoices[Int(random.uniform(0, Float(irisChoices.count)))]
        let white = Colour(0.96, 0.96, 0.94)
        let spacing = random.uniform(0.34, 0.42)
        let height = -0.12 + jitter(0.04)
        let gaze = Point(jitter(0.04), jitter(0.02))
        for sign: Float in [-1, 1] {
            let centre = Point(sign * spacing, height)
            let opening: Float
            // The part of the eye a lid or a cheek hides, if any.
            var hidden: Shape?
            switch expression {
            case .anger:
                // Lowered inner lid: a cut sloping down towards the nose.
                opening = towards(0.09, 0.085)
                hidden = .halfPlane(point: centre + Point(0, -0.02), normal: Point(sign * 0.55, -1))
            case .disgust:
                opening = towards(0.09, 0.05)
                hidden = .ellipse(centre: centre + Point(0, 0.1), radii: Point(0.26, 0.07))
            case .fear:
                opening = towards(0.09, 0.16)
            case .happy:
                // Cheeks pushed up: the lower half becomes an upward curve.
                opening = towards(0.09, 0.1)
                hidden = .ellipse(centre: centre + Point(0, 0.13), radii: Point(0.26, 0.12))
            case .sad:
                // Upper lid drooping towards the outer corner.
                opening = towards(0.09, 0.085)
                hidden = .halfPlane(point: centre + Point(0, -0.01), normal: Point(-sign * 0.6, -1))
            case .surprise:
                opening = towards(0.09, 0.17)
            }
            let eye = Shape.ellipse(centre: centre, radii: Point(0.19, opening))
            let visible = hidden.map { Shape.subtraction(eye, $0) } ?? eye
            let irisRadius: Float = expression == .fear || expression == .surprise ? 0.075 : 0.09
            canvas.draw(.ellipse(centre: centre, radii: Point(0.23, opening + 0.04)), skin * 0.85, in: frame)
            canvas.draw(visible, white, in: frame)
            canvas.draw(.intersection(visible, .ellipse(centre: centre + gaze, radii: Point(repeating: irisRadius))),
                        iris, in: frame)
            canvas.draw(.intersection(visible, .ellipse(centre: centre + gaze, radii: Point(repeating: 0.04))),
                        Colour(0.02, 0.02, 0.02), in: frame)
        }
    }

    private mutating func drawNose(skin: Colour) {
        let tip = Point(jitter(0.04), 0.3 + jitter(0.03))
        canvas.draw(.stroke([Point(tip.x * 0.5, -0.02), Point(tip.x - 0.07, tip.y), Point(tip.x + 0.07, tip.y + 0.02)],
                            halfWidth: 0.022), skin * 0.7, in: frame)
    }

    private mutating func drawMouth(skin: Colour) {
        let lips = skin * Colour(0.55, 0.3, 0.3) + Colour(0.12, 0.02, 0.02)
        let inside = Colour(0.25, 0.05, 0.06)
        let teeth = Colour(0.95, 0.94, 0.88)
        let y = 0.6 + jitter(0.04)
        let width = random.uniform(0.3, 0.38)
        let x = jitter(0.03)
        func at(_ dx: Float, _ dy: Float) -> Point { Point(x + dx, y + dy) }
        switch expression {
        case .anger:
            // Pressed lips, corners pulled down.
            let drop = towards(0.0, 0.1)
            canvas.draw(.stroke([at(-width, drop), at(-width * 0.45, 0), at(width * 0.45, 0), at(width, drop)],
                                halfWidth: random.uniform(0.04, 0.055)), lips * 0.7, in: frame)
        case .disgust:
            // Upper lip raised on one side.
            let raise = towards(0.0, 0.16)
            canvas.draw(.stroke([at(-side * width, 0.04), at(-side * width * 0.2, 0.02),
                                 at(side * width * 0.4, -raise * 0.8), at(side * width * 0.9, -raise)],
                                halfWidth: 0.045), lips * 0.8, in: frame)
        case .fear:
            // Open and stretched sideways, upper teeth showing.
            let open = towards(0.02, 0.13)
            let mouth = Shape.ellipse(centre: at(0, 0.02), radii: Point(width * 1.05, open))
            canvas.draw(.ellipse(centre: at(0, 0.02), radii: Point(width * 1.05 + 0.03, open + 0.03)), lips, in: frame)
            canvas.draw(mouth, inside, in: frame)
            canvas.draw(.intersection(mouth, .halfPlane(point: at(0, 0.02 - open * 0.45), normal: Point(0, 1))),
                        teeth, in: frame)
        case .happy:
            let depth = towards(0.03, 0.24)
            if random.chance(0.5) {
                // Open smile: a flat top and a round bottom, teeth along the top.
                let top = Shape.curve(at(-width, -0.04), at(0, 0.02), at(width, -0.04))
                let bottom = Shape.curve(at(width, -0.04), at(0, depth * 1.6), at(-width, -0.04))
                let mouth = Shape.polygon(top + bottom)
                canvas.draw(.stroke(top + bottom + [top[0]], halfWidth: 0.025), lips, in: frame)
                canvas.draw(mouth, inside, in: frame)
                canvas.draw(.intersection(mouth, .halfPlane(point: at(0, 0.06), normal: Point(0, 1))), teeth, in: frame)
            } else {
                canvas.draw(.stroke(Shape.curve(at(-width, -depth * 0.6), at(0, depth), at(width, -depth * 0.6)),
                                    halfWidth: 0.045), lips * 0.8, in: frame)
            }
        case .sad:
            let depth = towards(0.0, 0.22)
            canvas.draw(.stroke(Shape.curve(at(-width, depth * 0.6), at(0, -depth * 0.7), at(width, depth * 0.6)),
                                halfWidth: 0.045), lips * 0.8, in: frame)
        case .surprise:
            let open = towards(0.04, 0.22)
            let round = Point(random.uniform(0.13, 0.17), open)
            canvas.draw(.ellipse(centre: at(0, 0.06), radii: round + 0.035), lips, in: frame)
            canvas.draw(.ellipse(centre: at(0, 0.06), radii: round), inside, in: frame)
        }
    }

    /// Wrinkles that come with some expressions: frown lines, a wrinkled nose, a lined forehead.
    private mutating func drawLinesOfTheExpression(skin: Colour) {
        let line = skin * 0.72
        switch expression {
        case .anger:
            for sign: Float in [-1, 1] {
                canvas.draw(.stroke([Point(sign * 0.06, -0.32), Point(sign * 0.045, -0.16)], halfWidth: 0.018),
                            line, in: frame)
            }
        case .disgust:
            for sign: Float in [-1, 1] {
                canvas.draw(.stroke([Point(sign * 0.05, 0.02), Point(sign * 0.13, 0.1)], halfWidth: 0.016), line, in: frame)
            }
            canvas.draw(.stroke(Shape.curve(Point(side * 0.2, 0.3), Point(side * 0.36, 0.4), Point(side * 0.38, 0.56)),
                                halfWidth: 0.018), line, in: frame)
        case .fear, .surprise:
            for height: Float in [-0.9, -0.8] where random.chance(0.7) {
                canvas.draw(.stroke(Shape.curve(Point(-0.38, height + 0.02), Point(0, height - 0.03), Point(0.38, height + 0.02)),
                                    halfWidth: 0.014), line, in: frame)
            }
        case .happy, .sad:
            break
        }
    }
}
