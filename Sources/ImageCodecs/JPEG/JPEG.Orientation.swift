/// EXIF orientation (tag 0x0112, values 1-8): the transform that makes the stored pixels stand the way
/// the camera showed them, as PIL.ImageOps.exif_transpose applies it.
extension JPEG {
    static func applyOrientation(_ orientation: Int, to image: Image) -> Image {
        guard (2...8).contains(orientation) else { return image }
        let w = image.width, h = image.height, c = image.channels
        let swapsAxes = orientation >= 5
        let outWidth = swapsAxes ? h : w, outHeight = swapsAxes ? w : h
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case 2: (sx, sy) = (w - 1 - x, y)               // mirror left-right
                        case 3: (sx, sy) = (w - 1 - x, h - 1 - y)       // rotate 180
                        case 4: (sx, sy) = (x, h - 1 - y)               // mirror top-bottom
                        case 5: (sx, sy) = (y, x)                       // transpose
                        case 6: (sx, sy) = (y, h - 1 - x)               // rotate 90 clockwise
                        case 7: (sx, sy) = (w - 1 - y, h - 1 - x)       // transverse
                        default: (sx, sy) = (w - 1 - y, x)              // 8: rotate 90 counter-clockwise
                        }
                        let s = (sy * w + sx) * c, d = (y * outWidth + x) * c
                        for k in 0..<c { dst[d + k] = src[s + k] }
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: c, pixels: out)
    }
}
