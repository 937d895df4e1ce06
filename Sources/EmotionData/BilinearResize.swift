// Bilinear resizing exactly as Keras's image loading does it: TensorFlow 2's
// `tf.image.resize(method="bilinear", antialias=False)` (the ResizeBilinear kernel with half-pixel
// centres), computed in Float32 on the 8-bit values, straight into three-channel model input.
import ImageCodecs

/// Where each output row or column samples its source: the two source indices and the weight of the
/// second, as TensorFlow's `compute_interpolation_weights` with `HalfPixelScaler` makes them.
struct BilinearAxis {
    var lower: [Int]
    var upper: [Int]
    var lerp: [Float]

    init(outputSize: Int, inputSize: Int) {
        let scale = Float(inputSize) / Float(outputSize)
        lower = []
        upper = []
        lerp = []
        lower.reserveCapacity(outputSize)
        upper.reserveCapacity(outputSize)
        lerp.reserveCapacity(outputSize)
        for i in 0..<outputSize {
            let position = (Float(i) + 0.5) * scale - 0.5
            let floor = position.rounded(.down)
            lower.append(max(Int(floor), 0))
            upper.append(min(Int(position.rounded(.up)), inputSize - 1))
            lerp.append(position - floor)
        }
    }
}

/// `image` resized to `height` x `width` as RGB Float32 values in 0...255, row-major HWC: grey is
/// repeated into three equal channels and alpha is dropped. An image already at that size is passed
/// through unchanged (which is also what the formula gives).
public func resizedRGB(_ image: Image, height: Int, width: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: height * width * 3) { buffer, initialized in
        resizeBilinearRGB(image, height: height, width: width, into: buffer.baseAddress!)
        initialized = height * width * 3
    }
}

/// Writes `image` resized to `height` x `width` as RGB Float32 (0...255, HWC) to `output`, which
/// holds `height * width * 3` values.
func resizeBilinearRGB(_ image: Image, height: Int, width: Int, into output: UnsafeMutablePointer<Float>) {
    precondition(height > 0 && width > 0 && image.width > 0 && image.height > 0, "resize: empty image or size")
    let channels = image.channels
    // Grey (+ alpha) is interpolated once and repeated; colour (+ alpha) interpolates R, G and B.
    let colours = channels >= 3 ? 3 : 1
    image.pixels.withUnsafeBufferPointer { pixelBuffer in
        let source = pixelBuffer.baseAddress!
        if height == image.height && width == image.width {
            for pixel in 0..<(height * width) {
                let s = source + pixel * channels
                let d = output + pixel * 3
                for c in 0..<3 { d[c] = Float(s[colours == 3 ? c : 0]) }
            }
            return
        }
        let rows = BilinearAxis(outputSize: height, inputSize: image.height)
        let columns = BilinearAxis(outputSize: width, inputSize: image.width)
        let sourceStride = image.width * channels
        columns.lower.withUnsafeBufferPointer { left in
        columns.upper.withUnsafeBufferPointer { right in
        columns.lerp.withUnsafeBufferPointer { xLerp in
            for y in 0..<height {
                let top = source + rows.lower[y] * sourceStride
                let bottom = source + rows.upper[y] * sourceStride
                let yLerp = rows.lerp[y]
                let outputRow = output + y * width * 3
                for x in 0..<width {
                    let l = left[x] * channels
                    let r = right[x] * channels
                    let xl = xLerp[x]
                    let d = outputRow + x * 3
                    for c in 0..<colours {
                        // TensorFlow's compute_lerp, operation for operation.
                        let topLeft = Float(top[l + c]), topRight = Float(top[r + c])
                        let bottomLeft = Float(bottom[l + c]), bottomRight = Float(bottom[r + c])
                        let upper = topLeft + (topRight - topLeft) * xl
                        let lower = bottomLeft + (bottomRight - bottomLeft) * xl
                        d[c] = upper + (lower - upper) * yLerp
                    }
                    if colours == 1 {
                        d[1] = d[0]
                        d[2] = d[0]
                    }
                }
            }
        }
        }
        }
    }
}
