// `predict --annotate`: a photo with a rectangle around each detected face and its label above it (below
// the box's top edge when there is no room above), as RGB pixels ready for the PNG encoder.

import ImageCodecs

/// A face box and the text to write on it.
public struct FaceLabel: Sendable {
    public var box: FaceBox
    public var text: String

    public init(box: FaceBox, text: String) {
        self.box = box
        self.text = text
    }
}

public enum FaceAnnotation {
    /// Box and label background colour, and the label's text colour.
    static let boxColour: SIMD3<UInt8> = SIMD3(0, 230, 64)
    static let textColour: SIMD3<UInt8> = SIMD3(0, 0, 0)

    /// `image` as RGB with `labels` drawn on it. Lines and letters grow with the photo (1 px per 250 px of
    /// its shorter side, at least 1).
    public static func draw(_ labels: [FaceLabel], on image: Image) -> Image {
        var canvas = image.rgb()
        let scale = max(1, min(image.width, image.height) / 250)
        let thickness = 2 * scale
        for label in labels {
            let left = Int(label.box.x.rounded()), top = Int(label.box.y.rounded())
            let right = Int(label.box.maxX.rounded()) - 1, bottom = Int(label.box.maxY.rounded()) - 1
            fill(&canvas, x: left, y: top, width: right - left + 1, height: thickness, boxColour)
            fill(&canvas, x: left, y: bottom - thickness + 1, width: right - left + 1, height: thickness, boxColour)
            fill(&canvas, x: left, y: top, width: thickness, height: bottom - top + 1, boxColour)
            fill(&canvas, x: right - thickness + 1, y: top, width: thickness, height: bottom - top + 1, boxColour)

            let padding = scale
            let labelHeight = BitmapFont.glyphHeight * scale + 2 * padding
            let labelWidth = BitmapFont.width(of: label.text, scale: scale) + 2 * padding
            let labelTop = top - labelHeight >= 0 ? top - labelHeight : top
            fill(&canvas, x: left, y: labelTop, width: labelWidth, height: labelHeight, boxColour)
            write(label.text, on: &canvas, x: left + padding, y: labelTop + padding, scale: scale)
        }
        return canvas
    }

    /// Fills a rectangle with `colour`, clipped to the image.
    static func fill(_ image: inout Image, x: Int, y: Int, width: Int, height: Int, _ colour: SIMD3<UInt8>) {
        let x0 = max(x, 0), y0 = max(y, 0)
        let x1 = min(x + width, image.width), y1 = min(y + height, image.height)
        guard x0 < x1 && y0 < y1 else { return }
        let imageWidth = image.width
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for row in y0..<y1 {
                for column in x0..<x1 {
                    let p = (row * imageWidth + column) * 3
                    pixels[p] = colour.x
                    pixels[p + 1] = colour.y
                    pixels[p + 2] = colour.z
                }
            }
        }
    }

    private static func write(_ text: String, on image: inout Image, x: Int, y: Int, scale: Int) {
        var penX = x
        for character in text {
            for (row, bits) in BitmapFont.rows(character).enumerated() {
                for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                    fill(&image, x: penX + column * scale, y: y + row * scale, width: scale, height: scale, textColour)
                }
            }
            penX += (BitmapFont.glyphWidth + BitmapFont.spacing) * scale
        }
    }
}
