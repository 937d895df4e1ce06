// AffineTransform: the map from an output pixel to the input point it samples, and the bilinear warp with
// reflected borders that applies it (TensorFlow's ImageProjectiveTransformV3, which Keras's RandomRotation,
// RandomZoom and RandomTranslation call, with fill_mode "reflect").
//
// Legend: H height, W width, C channels; images are HWC Float32; x is the column, y the row, both in pixel
// indices (pixel (0, 0) is the centre of the top-left pixel, as in TensorFlow).

import Foundation

/// Output pixel (x, y) samples the input at (a0·x + a1·y + a2, b0·x + b1·y + b2): Keras's 8-number transform
/// with no projective part. The warp by `first` then by `second` is the single warp by `first * second`.
public struct AffineTransform: Sendable, Equatable {
    public var a0: Float, a1: Float, a2: Float
    public var b0: Float, b1: Float, b2: Float

    public init(a0: Float, a1: Float, a2: Float, b0: Float, b1: Float, b2: Float) {
        (self.a0, self.a1, self.a2, self.b0, self.b1, self.b2) = (a0, a1, a2, b0, b1, b2)
    }

    public static let identity = AffineTransform(a0: 1, a1: 0, a2: 0, b0: 0, b1: 1, b2: 0)

    /// The input point output pixel (x, y) samples.
    public func inputPoint(x: Float, y: Float) -> (x: Float, y: Float) {
        (a0 * x + a1 * y + a2, b0 * x + b1 * y + b2)
    }

    /// `first * second`: the map of warping by `first`, then warping the result by `second` (an output pixel
    /// goes through `second`'s map, then `first`'s).
    public static func * (first: AffineTransform, second: AffineTransform) -> AffineTransform {
        AffineTransform(
            a0: first.a0 * second.a0 + first.a1 * second.b0,
            a1: first.a0 * second.a1 + first.a1 * second.b1,
            a2: first.a0 * second.a2 + first.a1 * second.b2 + first.a2,
            b0: first.b0 * second.a0 + first.b1 * second.b0,
            b1: first.b0 * second.a1 + first.b1 * second.b1,
            b2: first.b0 * second.a2 + first.b1 * second.b2 + first.b2)
    }

    /// Resamples `source` [H, W, C] into `destination` [H, W, C] (no overlap): each output pixel is the
    /// bilinear interpolation of the input at its `inputPoint`, which is first reflected into the image about
    /// the edges of the border pixels (`d c b a | a b c d | d c b a`, Keras's default fill mode "reflect").
    public func warp(
        _ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
        height: Int, width: Int, channels: Int
    ) {
        // The channel loop unrolls only for a count known when compiling: RGB gets its own copy.
        if channels == 3 {
            warpRows(source, into: destination, height: height, width: width, channels: 3)
        } else {
            warpRows(source, into: destination, height: height, width: width, channels: channels)
        }
    }

    @inline(__always)
    private func warpRows(
        _ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
        height: Int, width: Int, channels: Int
    ) {
        let (lastX, lastY) = (Float(width - 1), Float(height - 1))
        for y in 0..<height {
            let fy = Float(y)
            var output = destination + y * width * channels
            for x in 0..<width {
                let fx = Float(x)
                // Coordinates computed per pixel (not accumulated) in Float32, as TensorFlow does.
                var inX = a0 * fx + a1 * fy + a2, inY = b0 * fx + b1 * fy + b2
                if !(inX >= 0 && inX <= lastX) { inX = Self.reflect(inX, count: width) }
                if !(inY >= 0 && inY <= lastY) { inY = Self.reflect(inY, count: height) }
                let x0 = inX.rounded(.down), y0 = inY.rounded(.down)
                let (wx, wy) = (inX - x0, inY - y0)
                let (ix0, iy0) = (Int(x0), Int(y0))
                // A reflected coordinate lies in [0, count − 1]: the far neighbour is out of the image only when
                // its weight is 0, where TensorFlow reads the fill value; the clamped read gives the same sum.
                let ix1 = min(ix0 + 1, width - 1), iy1 = min(iy0 + 1, height - 1)
                let top = source + iy0 * width * channels, bottom = source + iy1 * width * channels
                let (topLeft, topRight) = (top + ix0 * channels, top + ix1 * channels)
                let (bottomLeft, bottomRight) = (bottom + ix0 * channels, bottom + ix1 * channels)
                for c in 0..<channels {
                    let upper = (1 - wx) * topLeft[c] + wx * topRight[c]
                    let lower = (1 - wx) * bottomLeft[c] + wx * bottomRight[c]
                    output[c] = (1 - wy) * upper + wy * lower
                }
                output += channels
            }
        }
    }

    /// TensorFlow's reflect of a coordinate into [0, count − 1] (`MapCoordinate<FILL_REFLECT>`): about −0.5
    /// and count − 0.5, repeating with period 2·count, then clamped (the half pixel beyond each border centre).
    @inline(__always)
    static func reflect(_ coordinate: Float, count: Int) -> Float {
        guard count > 1 else { return 0 }
        let (length, period) = (Float(count), Float(2 * count))
        var c = coordinate
        if c < 0 {
            c += period * Float(Int(-c / period))
            c = c < -length ? c + period : -c - 1
        } else if c > length - 1 {
            c -= period * Float(Int(c / period))
            if c >= length { c = period - c - 1 }
        }
        return min(max(c, 0), length - 1)
    }
}
