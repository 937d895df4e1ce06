// Thumbnails for the report's gallery: the pixels the model saw (decoded, EXIF-oriented, resized to its
// input), halved with a 2x2 box filter until they fit, as PNG bytes from our encoder.

import Foundation
import EmotionTraining
import ImageCodecs

public enum Thumbnail {
    /// The PNG of the image in `url` as a model with `preprocessing` sees it, at most `maximumSide` pixels
    /// wide and high (grey stays grey); nil when the file cannot be read or decoded.
    public static func png(of url: URL, preprocessing: Preprocessing, maximumSide: Int = 128) -> [UInt8]? {
        guard let data = try? Data(contentsOf: url), let image = try? decodeImage([UInt8](data)),
              image.width > 0, image.height > 0 else { return nil }
        var view = modelView(of: image, size: (preprocessing.width, preprocessing.height), keepGrey: true)
        while max(view.width, view.height) > maximumSide && min(view.width, view.height) >= 2 {
            view = halved(view)
        }
        return PNG.encode(view)
    }

    /// `image` at half its size (rounded down), each pixel the rounded mean of a 2x2 block.
    static func halved(_ image: Image) -> Image {
        let (width, height, channels) = (image.width / 2, image.height / 2, image.channels)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let source = image.pixels, stride = image.width * channels
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let topLeft = (2 * y) * stride + (2 * x) * channels + c
                    let sum = Int(source[topLeft]) + Int(source[topLeft + channels]) + Int(source[topLeft + stride])
                        + Int(source[topLeft + stride + channels])
                    pixels[(y * width + x) * channels + c] = UInt8((sum + 2) / 4)
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }
}
