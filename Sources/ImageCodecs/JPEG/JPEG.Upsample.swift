/// Chroma upsampling to full resolution, one output row at a time, as libjpeg-turbo does it:
/// "fancy" triangle filters for 2x1 (h2v1), 1x2 (h1v2) and 2x2 (h2v2) ratios, pixel replication for
/// every other ratio and for components only 1-2 samples wide. Rows beyond the component's height
/// repeat its last row (libjpeg's context rows), so the filters see the same edges as libjpeg.
extension JPEG {
    struct Upsampler {
        enum Method { case copy, fancyH2V1, fancyH1V2, fancyH2V2, replicate }

        let method: Method
        let horizontalRatio: Int
        let verticalRatio: Int
        let plane: UnsafePointer<UInt8>
        let stride: Int
        /// The component's own size in samples (libjpeg's downsampled_width/height).
        let width: Int
        let height: Int

        init(component: Component, frame: Frame, plane: UnsafePointer<UInt8>) {
            horizontalRatio = frame.maxHorizontalSampling / component.horizontalSampling
            verticalRatio = frame.maxVerticalSampling / component.verticalSampling
            self.plane = plane
            stride = component.blocksPerLine * 8
            width = component.width
            height = component.height
            switch (horizontalRatio, verticalRatio) {
            case (1, 1): method = .copy
            case (2, 1) where width > 2: method = .fancyH2V1
            case (1, 2): method = .fancyH1V2
            case (2, 2) where width > 2: method = .fancyH2V2
            default: method = .replicate
            }
        }

        /// Samples the row needs past the image width (fancy filters write whole pairs).
        var scratchWidth: Int { width * horizontalRatio }

        /// Writes output row `y` (at least `outputWidth` samples, up to `scratchWidth`) to `out`.
        func row(_ y: Int, into out: UnsafeMutablePointer<UInt8>, outputWidth: Int) {
            switch method {
            case .copy:
                out.update(from: plane + y * stride, count: outputWidth)
            case .replicate:
                let source = plane + (y / verticalRatio) * stride
                if horizontalRatio == 1 {
                    out.update(from: source, count: outputWidth)
                } else {
                    for x in 0..<outputWidth { out[x] = source[x / horizontalRatio] }
                }
            case .fancyH2V1:
                let source = plane + y * stride
                var previous = Int(source[0]), current = previous
                out[0] = UInt8(current)
                for i in 0..<(width - 1) {
                    let next = Int(source[i + 1])
                    if i > 0 { out[2 * i] = UInt8((current * 3 + previous + 1) >> 2) }
                    out[2 * i + 1] = UInt8((current * 3 + next + 2) >> 2)
                    previous = current
                    current = next
                }
                out[2 * width - 2] = UInt8((current * 3 + previous + 1) >> 2)
                out[2 * width - 1] = UInt8(current)
            case .fancyH1V2:
                let (this, other, bias) = rows(y)
                for x in 0..<outputWidth {
                    out[x] = UInt8((Int(this[x]) * 3 + Int(other[x]) + bias) >> 2)
                }
            case .fancyH2V2:
                let (this, other, _) = rows(y)
                @inline(__always) func sum(_ i: Int) -> Int { Int(this[i]) * 3 + Int(other[i]) }
                var previous = sum(0), current = previous
                out[0] = UInt8((current * 4 + 8) >> 4)
                for i in 0..<(width - 1) {
                    let next = sum(i + 1)
                    if i > 0 { out[2 * i] = UInt8((current * 3 + previous + 8) >> 4) }
                    out[2 * i + 1] = UInt8((current * 3 + next + 7) >> 4)
                    previous = current
                    current = next
                }
                out[2 * width - 2] = UInt8((current * 3 + previous + 8) >> 4)
                out[2 * width - 1] = UInt8((current * 4 + 7) >> 4)
            }
        }

        /// For vertical 2x filters: the nearer input row, the other neighbour, and libjpeg's rounding bias
        /// (1 for the upper output row of a pair, 2 for the lower).
        private func rows(_ y: Int) -> (UnsafePointer<UInt8>, UnsafePointer<UInt8>, Int) {
            let row = y >> 1
            let upper = y & 1 == 0
            let neighbour = upper ? max(row - 1, 0) : min(row + 1, height - 1)
            return (plane + row * stride, plane + neighbour * stride, upper ? 1 : 2)
        }
    }
}
