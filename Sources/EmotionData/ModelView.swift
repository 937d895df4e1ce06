// What `emotion decode` writes: the pixels a model sees (decoded, EXIF-oriented, resized with the
// training resize, alpha dropped), as 8-bit images, and the Netpbm (PGM/PPM) writer.

import ImageCodecs

/// `image` as the model sees it, in 8 bits: resized to `size` (width, height) with the training's
/// bilinear resize (values rounded to the nearest integer), or kept at its size when `size` is nil.
/// Grey (± alpha) stays one channel when `keepGrey`, everything else becomes RGB; alpha is dropped.
public func modelView(of image: Image, size: (width: Int, height: Int)?, keepGrey: Bool) -> Image {
    let width = size?.width ?? image.width, height = size?.height ?? image.height
    let values = resizedRGB(image, height: height, width: width)
    let grey = keepGrey && image.channels <= 2
    let channels = grey ? 1 : 3
    var pixels = [UInt8](repeating: 0, count: width * height * channels)
    values.withUnsafeBufferPointer { values in
        pixels.withUnsafeMutableBufferPointer { pixels in
            for i in pixels.indices {
                // Grey images have three equal channels in `values`: take the first of each pixel.
                let value = grey ? values[i * 3] : values[i]
                pixels[i] = UInt8(max(0, min(255, value.rounded())))
            }
        }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
}

/// Binary Netpbm files.
public enum Netpbm {
    /// A P5 (PGM) file for a one-channel image or a P6 (PPM) file for an RGB one, maxval 255, header
    /// fields separated by single spaces/newlines.
    public static func encode(_ image: Image) -> [UInt8] {
        precondition(image.channels == 1 || image.channels == 3, "Netpbm: only grey or RGB images")
        let header = "\(image.channels == 1 ? "P5" : "P6")\n\(image.width) \(image.height)\n255\n"
        return Array(header.utf8) + image.pixels
    }
}
