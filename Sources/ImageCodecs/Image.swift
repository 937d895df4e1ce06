/// A decoded raster: 8-bit samples, rows top to bottom, channels interleaved.
///
/// `channels` is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). Decoders return the image's own
/// channel layout; `rgb()` gives the three-channel view the models are fed.
public struct Image: Sendable, Equatable {
    /// The largest width x height any decoder accepts (64 Mi pixels, e.g. 8192 x 8192): larger declared
    /// sizes are rejected before anything is allocated, so a hostile header cannot exhaust memory.
    public static let maximumPixelCount = 1 << 26

    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition((1...4).contains(channels), "channels must be 1...4")
        precondition(pixels.count == width * height * channels, "pixel count does not match the size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Three-channel RGB as Keras's `image_dataset_from_directory(color_mode="rgb")` produces it:
    /// grey is repeated into three equal channels and alpha is dropped (not composited).
    public func rgb() -> Image {
        if channels == 3 { return self }
        let count = width * height
        var out = [UInt8](repeating: 0, count: count * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count {
                    let s = i * channels
                    let d = i * 3
                    if channels <= 2 {
                        dst[d] = src[s]; dst[d + 1] = src[s]; dst[d + 2] = src[s]
                    } else {
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }
}
