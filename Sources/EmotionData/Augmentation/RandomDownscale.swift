// RandomDownscale: the look of a small photo enlarged to the model's size (albumentations' `Downscale`;
// Keras has no such layer).

import ImageCodecs
import EmotionTensor

/// With probability `factor`, the image becomes what the loader would make of a small photo of it: shrunk to
/// a fraction s of its height and width, s drawn uniformly from `scales` (area averaging, as a camera or an
/// image editor makes a small photo, rounded to 8 bits as a file stores it), then enlarged back with the
/// loader's own bilinear resize. A model trained on photos whose small ones are mostly of some classes (faces6:
/// its small colour photos are 164 of its 175 disgust photos) otherwise learns the blur of an enlarged photo as
/// evidence of those classes.
public struct RandomDownscale: FactorAugmentation, Sendable, Equatable {
    /// The probability that an image is downscaled.
    public let factor: Float
    /// The fractions of the side an image is shrunk to: at 350x350, 44 to 175 pixels (faces6's small photos
    /// are 23 to 191 pixels wide, median 82).
    public static let scales: ClosedRange<Float> = 0.125...0.5

    public init(factor: Float) {
        precondition(Self.accepts(factor), "RandomDownscale: factor \(factor) is outside \(Self.acceptedFactors)")
        self.factor = factor
    }

    /// The fraction this image is shrunk to, or nil when it is kept. Always two draws, whatever the outcome.
    public func draw(using generator: inout SeededGenerator) -> Float? {
        let chosen = generator.nextUnitFloat() < factor
        let scale = Self.scales.lowerBound + (Self.scales.upperBound - Self.scales.lowerBound) * generator.nextUnitFloat()
        return chosen ? scale : nil
    }

    /// Shrinks `image` [height, width, 3] (values 0...255) to `scale` of its sides and enlarges it back, in
    /// place; an image of another channel count is left as it is.
    public static func apply(scale: Float, to image: UnsafeMutablePointer<Float>, height: Int, width: Int, channels: Int) {
        guard channels == 3 else { return }
        let smallHeight = max(1, Int((Float(height) * scale).rounded()))
        let smallWidth = max(1, Int((Float(width) * scale).rounded()))
        let small = areaResized(image, height: height, width: width, channels: 3, toHeight: smallHeight, width: smallWidth)
        let photo = Image(width: smallWidth, height: smallHeight, channels: 3,
                          pixels: small.map { UInt8(min(max($0.rounded(), 0), 255)) })
        resizeBilinearRGB(photo, height: height, width: width, into: image)
    }

    /// `image` [height, width, channels] averaged down to `toHeight` x `toWidth` (no larger): each output pixel
    /// is the mean of the source area it covers, partly covered pixels weighted by their share
    /// (TensorFlow's `resize(method="area")`).
    static func areaResized(
        _ image: UnsafePointer<Float>, height: Int, width: Int, channels: Int, toHeight: Int, width toWidth: Int
    ) -> [Float] {
        precondition(toHeight <= height && toWidth <= width, "area resize only shrinks")
        let rows = AreaAxis(outputSize: toHeight, inputSize: height)
        let columns = AreaAxis(outputSize: toWidth, inputSize: width)
        let rowLength = width * channels
        // Rows first, [toHeight, width, channels], then columns, [toHeight, toWidth, channels].
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: toHeight * rowLength) { shortened in
            let shortened = shortened.baseAddress!
            shortened.initialize(repeating: 0, count: toHeight * rowLength)
            for (y, taps) in rows.taps.enumerated() {
                let target = shortened + y * rowLength
                for (source, weight) in taps {
                    let sourceRow = image + source * rowLength
                    for i in 0..<rowLength { target[i] += weight * sourceRow[i] }
                }
            }
            return [Float](unsafeUninitializedCapacity: toHeight * toWidth * channels) { output, initialized in
                let output = output.baseAddress!
                output.initialize(repeating: 0, count: toHeight * toWidth * channels)
                for y in 0..<toHeight {
                    for (x, taps) in columns.taps.enumerated() {
                        let target = output + (y * toWidth + x) * channels
                        for (source, weight) in taps {
                            let sourcePixel = shortened + (y * width + source) * channels
                            for c in 0..<channels { target[c] += weight * sourcePixel[c] }
                        }
                    }
                }
                initialized = toHeight * toWidth * channels
            }
        }
    }
}

/// Which source indices each output index of an area resize averages, with their weights (summing to 1).
private struct AreaAxis {
    var taps: [[(source: Int, weight: Float)]]

    init(outputSize: Int, inputSize: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        taps = (0..<outputSize).map { k in
            let (start, end) = (Double(k) * scale, Double(k + 1) * scale)
            let first = Int(start.rounded(.down)), last = min(Int(end.rounded(.up)), inputSize) - 1
            return (first...last).compactMap { i in
                let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                return overlap > 0 ? (i, Float(overlap / scale)) : nil
            }
        }
    }
}
