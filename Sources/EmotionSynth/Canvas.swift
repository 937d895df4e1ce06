// A small antialiased rasteriser for the synthetic faces: shapes are signed distance functions in a
// rotated, scaled "face frame", painted onto a Float RGB canvas.
import Foundation
import ImageCodecs

typealias Point = SIMD2<Float>
typealias Colour = SIMD3<Float>

/// A 2-D shape given by its signed distance (negative inside), in the units of the frame it is drawn in.
indirect enum Shape {
    /// An axis-aligned ellipse (its distance is approximate away from the outline, exact enough for 1-px edges).
    case ellipse(centre: Point, radii: Point)
    /// A polyline of round-capped thickness `2 * halfWidth`.
    case stroke([Point], halfWidth: Float)
    /// A closed polygon (any winding).
    case polygon([Point])
    /// Points `p` with `dot(p - point, normal) <= 0`.
    case halfPlane(point: Point, normal: Point)
    case intersection(Shape, Shape)
    /// The first shape without the second.
    case subtraction(Shape, Shape)

    /// A quadratic Bézier curve from `start` to `end` pulled towards `control`, as a polyline.
    static func curve(_ start: Point, _ control: Point, _ end: Point, segments: Int = 12) -> [Point] {
        (0...segments).map { step in
            let t = Float(step) / Float(segments)
            let a = (1 - t) * (1 - t), b = 2 * (1 - t) * t, c = t * t
            return a * start + b * control + c * end
        }
    }

    func distance(to p: Point) -> Float {
        switch self {
        case .ellipse(let centre, let radii):
            let q = (p - centre) / radii
            return ((q * q).sum().squareRoot() - 1) * min(radii.x, radii.y)
        case .stroke(let points, let halfWidth):
            var nearest = Float.infinity
            for i in 0..<(points.count - 1) {
                nearest = min(nearest, Self.segmentDistance(p, points[i], points[i + 1]))
            }
            return nearest - halfWidth
        case .polygon(let points):
            var nearest = Float.infinity
            var inside = false
            var j = points.count - 1
            for i in 0..<points.count {
                let a = points[i], b = points[j]
                nearest = min(nearest, Self.segmentDistance(p, a, b))
                if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                    inside.toggle()
                }
                j = i
            }
            return inside ? -nearest : nearest
        case .halfPlane(let point, let normal):
            return ((p - point) * normal).sum() / (normal * normal).sum().squareRoot()
        case .intersection(let a, let b):
            return max(a.distance(to: p), b.distance(to: p))
        case .subtraction(let a, let b):
            return max(a.distance(to: p), -b.distance(to: p))
        }
    }

    /// A box holding the shape (a half-plane is unbounded).
    var bounds: (min: Point, max: Point) {
        switch self {
        case .ellipse(let centre, let radii):
            return (centre - radii, centre + radii)
        case .stroke(let points, let halfWidth):
            let box = Self.box(points)
            return (box.min - halfWidth, box.max + halfWidth)
        case .polygon(let points):
            return Self.box(points)
        case .halfPlane:
            return (Point(repeating: -.infinity), Point(repeating: .infinity))
        case .intersection(let a, let b):
            let first = a.bounds, second = b.bounds
            return (pointwiseMax(first.min, second.min), pointwiseMin(first.max, second.max))
        case .subtraction(let a, _):
            return a.bounds
        }
    }

    private static func box(_ points: [Point]) -> (min: Point, max: Point) {
        points.dropFirst().reduce((points[0], points[0])) { (pointwiseMin($0.0, $1), pointwiseMax($0.1, $1)) }
    }

    private static func segmentDistance(_ p: Point, _ a: Point, _ b: Point) -> Float {
        let ab = b - a, ap = p - a
        let lengthSquared = (ab * ab).sum()
        let t = lengthSquared > 0 ? min(max((ap * ab).sum() / lengthSquared, 0), 1) : 0
        let offset = ap - t * ab
        return (offset * offset).sum().squareRoot()
    }
}

/// Maps face coordinates (units of the face's horizontal radius, y down) to pixels: a scale, a
/// rotation and a centre.
struct Frame {
    var centre: Point
    var scale: Float
    var angle: Float

    /// Pixel coordinates themselves.
    static let pixels = Frame(centre: .zero, scale: 1, angle: 0)

    func toFace(_ pixel: Point) -> Point {
        let d = (pixel - centre) / scale
        let c = cos(angle), s = sin(angle)
        return Point(c * d.x + s * d.y, -s * d.x + c * d.y)
    }

    func toPixels(_ face: Point) -> Point {
        let c = cos(angle), s = sin(angle)
        return centre + scale * Point(c * face.x - s * face.y, s * face.x + c * face.y)
    }
}

/// A square RGB canvas of Float values in 0...1.
struct Canvas {
    let size: Int
    private(set) var pixels: [Colour]

    init(size: Int, colour: Colour) {
        self.size = size
        pixels = [Colour](repeating: colour, count: size * size)
    }

    /// A linear gradient from `from` to `to` along `direction` (a unit vector), across the whole canvas.
    mutating func fillGradient(from: Colour, to: Colour, direction: Point) {
        let half = Float(size) / 2
        for y in 0..<size {
            for x in 0..<size {
                let p = (Point(Float(x), Float(y)) + 0.5 - half) / half
                let t = min(max(((p * direction).sum() + 1) / 2, 0), 1)
                pixels[y * size + x] = from + (to - from) * t
            }
        }
    }

    /// Paints `shape` (in `frame` coordinates) with an antialiased one-pixel edge.
    mutating func draw(_ shape: Shape, _ colour: Colour, in frame: Frame, opacity: Float = 1) {
        let bounds = shape.bounds
        guard bounds.min.x.isFinite, bounds.max.x.isFinite else { return }
        let corners = [bounds.min, Point(bounds.max.x, bounds.min.y), bounds.max, Point(bounds.min.x, bounds.max.y)]
            .map(frame.toPixels)
        let low = corners.dropFirst().reduce(corners[0], pointwiseMin)
        let high = corners.dropFirst().reduce(corners[0], pointwiseMax)
        let x0 = max(Int(low.x.rounded(.down)) - 1, 0), x1 = min(Int(high.x.rounded(.up)) + 1, size - 1)
        let y0 = max(Int(low.y.rounded(.down)) - 1, 0), y1 = min(Int(high.y.rounded(.up)) + 1, size - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let face = frame.toFace(Point(Float(x) + 0.5, Float(y) + 0.5))
                let coverage = min(max(0.5 - shape.distance(to: face) * frame.scale, 0), 1) * opacity
                if coverage > 0 {
                    let index = y * size + x
                    pixels[index] += (colour - pixels[index]) * coverage
                }
            }
        }
    }

    /// Multiplies by `brightness * (1 + strength * dot(p, direction))`, p in -1...1 across the canvas:
    /// light falling from one side.
    mutating func light(brightness: Float, strength: Float, direction: Point) {
        let half = Float(size) / 2
        for y in 0..<size {
            for x in 0..<size {
                let p = (Point(Float(x), Float(y)) + 0.5 - half) / half
                pixels[y * size + x] *= brightness * (1 + strength * (p * direction).sum())
            }
        }
    }

    /// Adds Gaussian noise of standard deviation `sigma` to each channel.
    mutating func addNoise(sigma: Float, using random: inout SplitMix64) {
        for index in pixels.indices {
            pixels[index] += Colour(random.gaussian(), random.gaussian(), random.gaussian()) * sigma
        }
    }

    /// 8-bit RGB, or grey (ITU-R BT.601 luma) when `grey` is set.
    func image(grey: Bool) -> Image {
        func byte(_ value: Float) -> UInt8 { UInt8(min(max(value * 255, 0), 255).rounded()) }
        if grey {
            let luma = Colour(0.299, 0.587, 0.114)
            return Image(width: size, height: size, channels: 1, pixels: pixels.map { byte(($0 * luma).sum()) })
        }
        return Image(width: size, height: size, channels: 3,
                     pixels: pixels.flatMap { [byte($0.x), byte($0.y), byte($0.z)] })
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator, so the drawings are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `low..<high`, from the top 24 bits.
    mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * Float(next() >> 40) / Float(1 << 24)
    }

    /// True with probability `probability`.
    mutating func chance(_ probability: Float) -> Bool {
        uniform(0, 1) < probability
    }

    /// A standard normal value (Box–Muller).
    mutating func gaussian() -> Float {
        let u = max(uniform(0, 1), 1e-7), v = uniform(0, 1)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
