// Where a convolution's backward kernels read its output gradient dY [P×O] (P = N·OH·OW output pixels):
// dY as it is, dY through the forward's fused ReLU, or dY through the max pooling fused after it. The kernels
// read dY a range of pixels at a time (a chunk for dW, a band of rows or a tile for dX); `rows` builds such a
// range in the caller's scratch when it is not stored as is, so the masked or un-pooled dY is never made
// whole.

/// A convolution's output gradient as the backward kernels read it.
enum ConvOutputGradient {
    /// dY, stored as is.
    case plain(UnsafePointer<Float>)
    /// dY·[y > 0] for the forward's fused-ReLU output y: the ReLU backward.
    case reluMasked(UnsafePointer<Float>, reluOutput: UnsafePointer<Float>)
    /// The gradient of non-overlapping max pooling fused into the forward (`conv2dForwardMaxPooled` with
    /// window codes): the pooled gradient goes to each window's maximum, 0 elsewhere, in rows and columns
    /// no window covers, and where the code is −1 (a fused ReLU's zero maximum).
    case maxPooled(UnsafePointer<Float>, windows: UnsafePointer<Int32>, pool: Pool2DShape)

    /// dY, through the ReLU backward when the forward fused a ReLU with output `reluOutput`.
    init(_ gradient: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>?) {
        self = reluOutput.map { .reluMasked(gradient, reluOutput: $0) } ?? .plain(gradient)
    }

    /// The gradient of convolution `s` through `poolSize`-wide, non-overlapping max pooling.
    init(pooledGradient: UnsafePointer<Float>, windows: UnsafePointer<Int32>, of s: Conv2DShape, poolSize: Int) {
        self = .maxPooled(pooledGradient, windows: windows, pool: s.pooled(poolSize: poolSize, poolStride: poolSize))
    }

    /// dY when it is stored as is.
    var plain: UnsafePointer<Float>? {
        if case let .plain(gradient) = self { return gradient }
        return nil
    }

    /// The dY rows of output pixels firstPixel..<+count (O floats each, on the calling thread): stored in
    /// place, or built into `scratch` (count·O floats).
    @inline(__always)
    func rows(
        firstPixel: Int, count: Int, outChannels: Int, scratch: UnsafeMutablePointer<Float>
    ) -> UnsafePointer<Float> {
        switch self {
        case let .plain(gradient):
            return gradient + firstPixel * outChannels
        case let .reluMasked(gradient, reluOutput):
            let offset = firstPixel * outChannels
            Kernels.maskGradient(gradient + offset, reluOutput: reluOutput + offset, into: scratch,
                                 count: count * outChannels)
        case let .maxPooled(gradient, windows, pool):
            Kernels.unpool(pool, gradient: gradient, windows: windows, firstPixel: firstPixel, count: count,
                           into: scratch)
        }
        return UnsafePointer(scratch)
    }
}

extension Kernels {
    /// The max pooling backward for pixels firstPixel..<+count of the pooling's input (flat over N, H, W),
    /// written to `destination` (C floats each): input pixel (y, x) of window (py, px) at position
    /// (y − py·S)·P + (x − px·S) gets the pooled gradient in the lanes whose window code names that position.
    /// Windows must not overlap (stride = pool size).
    @inline(__always)
    static func unpool(
        _ pool: Pool2DShape, gradient: UnsafePointer<Float>, windows: UnsafePointer<Int32>, firstPixel: Int,
        count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        let (channels, pooledHeight, pooledWidth) = (pool.channels, pool.outHeight, pool.outWidth)
        // The pixel as (image, window row py, row in the window ty, window column px, column in it tx),
        // stepped without divisions.
        let (firstImage, imagePixel) = firstPixel.quotientAndRemainder(dividingBy: pool.height * pool.width)
        let (firstY, firstX) = imagePixel.quotientAndRemainder(dividingBy: pool.width)
        var image = firstImage
        var (py, ty) = firstY.quotientAndRemainder(dividingBy: pool.strideY)
        var (px, tx) = firstX.quotientAndRemainder(dividingBy: pool.strideX)
        var x = firstX
        for p in 0..<count {
            let row = destination + p * channels
            if py < pooledHeight, px < pooledWidth {
                let source = ((image * pooledHeight + py) * pooledWidth + px) * channels
                let position = Int32(ty * pool.poolWidth + tx)
                let here = SIMD16<Int32>(repeating: position)
                var c = 0
                while c + 16 <= channels {
                    let codes = UnsafeRawPointer(windows + source + c).loadUnaligned(as: SIMD16<Int32>.self)
                    let g: SIMD16<Float> = loadVector(gradient + source + c)
                    storeVector(SIMD16<Float>().replacing(with: g, where: codes .== here), row + c)
                    c += 16
                }
                while c < channels {
                    row[c] = windows[source + c] == position ? gradient[source + c] : 0
                    c += 1
                }
            } else {
                row.update(repeating: 0, count: channels)
            }
            x += 1
            tx += 1
            if tx == pool.strideX { (tx, px) = (0, px + 1) }
            if x == pool.width {
                (x, tx, px) = (0, 0, 0)
                ty += 1
                if ty == pool.strideY { (ty, py) = (0, py + 1) }
                if py * pool.strideY + ty == pool.height { (py, ty, image) = (0, 0, image + 1) }
            }
        }
    }
}
