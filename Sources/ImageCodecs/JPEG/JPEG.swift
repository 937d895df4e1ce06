/// The JPEG codec: `JPEG.decode` turns a JPEG file's bytes into an `Image` (grey or RGB, 8-bit).
///
/// Stages, one file each: markers (JPEG.Markers, JPEG.Frame) → Huffman tables and bit reader →
/// entropy decoding (JPEG.HuffmanScan, JPEG.ArithmeticScan) → dequantisation + IDCT (JPEG.IDCT) →
/// upsampling (JPEG.Upsample) → colour conversion (JPEG.ColorConvert) → EXIF orientation.
/// The output matches libjpeg-turbo's default decode (ISLOW IDCT, fancy upsampling) as Pillow gives it.
///
/// Decoded: baseline, extended and progressive processes, Huffman or arithmetic coding, 8-bit samples,
/// 1, 3 or 4 components, any integer sampling ratios, restart intervals. Refused with
/// `DecodingError.unsupported`: 12-bit, lossless, hierarchical JPEG.
public enum JPEG {
    /// Images with more pixels are refused before anything is allocated (2^28 = 268 megapixels, about
    /// 16384 x 16384; JPEG itself limits each side to 65535).
    public static let defaultMaxPixelCount = 1 << 28

    /// Decodes a JPEG file. Grey images come back with 1 channel, all others as RGB.
    /// - Parameters:
    ///   - applyOrientation: rotate/mirror as the EXIF orientation tag says (what viewers and
    ///     `PIL.ImageOps.exif_transpose` show); false keeps the stored pixel order.
    ///   - maxPixelCount: the size limit checked against the frame header.
    public static func decode(_ bytes: [UInt8], applyOrientation: Bool = true,
                              maxPixelCount: Int = defaultMaxPixelCount) throws -> Image {
        let planes = try Decoder(bytes: bytes, maxPixelCount: maxPixelCount).decode()
        let image = convert(planes)
        return applyOrientation ? JPEG.applyOrientation(planes.orientation, to: image) : image
    }

    /// Upsamples every component and converts rows to grey or interleaved RGB.
    static func convert(_ planes: Planes) -> Image {
        let frame = planes.frame
        let width = frame.width, height = frame.height
        let channels = planes.colorSpace == .grayscale ? 1 : 3
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let upsamplers = frame.components.indices.map {
            Upsampler(component: frame.components[$0], frame: frame, plane: planes.samples[$0].pointer)
        }
        let rowCapacity = max(width, upsamplers.map(\.scratchWidth).max() ?? 0) + 16
        let rows = Buffer<UInt8>(count: rowCapacity * upsamplers.count, repeating: 0)
        pixels.withUnsafeMutableBufferPointer { output in
            let out = output.baseAddress!
            for y in 0..<height {
                let row = out + y * width * channels
                if planes.colorSpace == .grayscale {
                    upsamplers[0].row(y, into: row, outputWidth: width)
                    continue
                }
                var r: [UnsafePointer<UInt8>] = []
                for (i, upsampler) in upsamplers.enumerated() {
                    let target = rows.pointer + i * rowCapacity
                    upsampler.row(y, into: target, outputWidth: width)
                    r.append(UnsafePointer(target))
                }
                switch planes.colorSpace {
                case .yCbCr: ColorConvert.yCbCrToRGB(r[0], r[1], r[2], into: row, count: width)
                case .rgb: ColorConvert.interleave(r[0], r[1], r[2], into: row, count: width)
                case .cmyk: ColorConvert.cmykToRGB(r[0], r[1], r[2], r[3], into: row, count: width)
                case .ycck: ColorConvert.ycckToRGB(r[0], r[1], r[2], r[3], into: row, count: width)
                case .grayscale: break
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }
}
