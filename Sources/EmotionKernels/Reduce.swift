// Reductions: column sums (bias gradients) and the sum of an array.
//
// Legend: rows × columns = a row-major matrix; count = number of floats.

extension Kernels {
    /// out[j] = Σ_rows dy[r, j] (the bias gradient of a Dense layer).
    public static func columnSums(
        _ dy: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>
    ) {
        out.update(repeating: 0, count: columns)
        for row in 0..<rows {
            let source = dy + row * columns
            var j = 0
            while j + 16 <= columns {
                storeVector(loadVector(out + j) as SIMD16<Float> + loadVector(source + j), out + j)
                j += 16
            }
            while j < columns {
                out[j] += source[j]
                j += 1
            }
        }
    }

    /// Σ x. Blocks of 1024 are summed in Float SIMD lanes, the blocks in Double, so the error stays tiny.
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var total = 0.0
        var blockStart = 0
        while blockStart < count {
            let blockEnd = min(blockStart + 1024, count)
            var lanes = SIMD16<Float>()
            var i = blockStart
            while i + 16 <= blockEnd {
                lanes += loadVector(x + i)
                i += 16
            }
            var blockTotal = lanes.sum()
            while i < blockEnd {
                blockTotal += x[i]
                i += 1
            }
            total += Double(blockTotal)
            blockStart = blockEnd
        }
        return Float(total)
    }
}
