// RandomErasing: Keras's RandomErasing(factor) with its default scale and fill, on values in 0...255.

import EmotionTensor

/// Keras 3 `RandomErasing(factor, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255))` (Zhong et al.'s
/// random erasing): an image is erased with a probability p drawn uniformly from [0, factor] (so with
/// probability factor / 2 overall, Keras's convention for a single factor); the erased box has sides
/// √u_w·W and √u_h·H, u_w and u_h uniform in [0.02, 0.33], at a uniform position, and takes noise: each
/// value N(0, 1)·255 clipped to 0...255. Occluded faces (a hand, hair, glasses) stop hiding the expression.
public struct RandomErasing: FactorAugmentation, Sendable, Equatable {
    /// The largest erasing probability.
    public let factor: Float
    /// The range of u for each side: a side is √u of the image's.
    static let scale: ClosedRange<Float> = 0.02...0.33

    public init(factor: Float) {
        precondition(Self.accepts(factor), "RandomErasing: factor \(factor) is outside \(Self.acceptedFactors)")
        self.factor = factor
    }

    /// The box erased in one image, in Keras's continuous coordinates: the pixels (y, x) with
    /// y0 ≤ y < y1 and x0 ≤ x < x1; `noiseSeed` seeds the fill.
    public struct Box: Sendable, Equatable {
        public var x0: Float, x1: Float, y0: Float, y1: Float
        public var noiseSeed: UInt64

        public init(x0: Float, x1: Float, y0: Float, y1: Float, noiseSeed: UInt64) {
            (self.x0, self.x1, self.y0, self.y1, self.noiseSeed) = (x0, x1, y0, y1, noiseSeed)
        }
    }

    /// The box erased in this image, or nil when it is left whole. Keras's order: both sides' fractions,
    /// the columns' start, the rows' start, the probability, the threshold.
    public func draw(height: Int, width: Int, using generator: inout SeededGenerator) -> Box? {
        let (low, high) = (Self.scale.lowerBound, Self.scale.upperBound)
        func side() -> Float { (low + (high - low) * generator.nextUnitFloat()).squareRoot() }
        let (fractionX, fractionY) = (side(), side())
        func bounds(length: Int, fraction: Float) -> (Float, Float) {
            let crop = fraction * Float(length)
            let start = generator.nextUnitFloat() * (Float(length) - crop)
            return (start, start + crop)
        }
        let (x0, x1) = bounds(length: width, fraction: fractionX)
        let (y0, y1) = bounds(length: height, fraction: fractionY)
        let probability = factor * generator.nextUnitFloat()
        let erased = generator.nextUnitFloat() < probability
        let noiseSeed = generator.next()
        return erased ? Box(x0: x0, x1: x1, y0: y0, y1: y1, noiseSeed: noiseSeed) : nil
    }

    /// Fills `box` of image [H, W, C] with clipped normal noise, in place.
    public static func apply(
        _ box: Box, to image: UnsafeMutablePointer<Float>, height: Int, width: Int, channels: Int
    ) {
        let range = ImageAugmentation.valueRange
        // The integer rows and columns inside [y0, y1) and [x0, x1).
        let rows = max(0, Int(box.y0.rounded(.up)))..<min(height, Int(box.y1.rounded(.up)))
        let columns = max(0, Int(box.x0.rounded(.up)))..<min(width, Int(box.x1.rounded(.up)))
        var noise = SeededGenerator(seed: box.noiseSeed)
        for y in rows {
            for x in columns {
                let pixel = image + (y * width + x) * channels
                for c in 0..<channels {
                    let value = Float(noise.nextStandardNormal()) * range.upperBound
                    pixel[c] = min(max(value, range.lowerBound), range.upperBound)
                }
            }
        }
    }
}
