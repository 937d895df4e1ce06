// Elementwise kernels: ReLU and its backward, add, accumulate, multiply, scale, fill, row blending (mixup),
// bias + activation.
//
// Legend: count = number of floats; rows × columns = a row-major matrix (Dense: rows = batch, columns =
// features). Each is one SIMD pass over memory, split across threads when the array is large.

extension Kernels {
    /// Below this many floats a pass runs on one thread (waking a second costs more than it saves).
    static let parallelElementThreshold = 1 << 16

    /// Runs `body(start, end)` over `0..<count` in SIMD-friendly chunks, in parallel when it pays.
    @inline(__always)
    static func forEachRange(count: Int, _ body: (Int, Int) -> Void) {
        parallelRanges(count: count, granularity: 64, minimumPerChunk: parallelElementThreshold) { range in
            body(range.lowerBound, range.upperBound)
        }
    }

    /// y = max(x, 0). x may equal y.
    public static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        forEachRange(count: count) { start, end in
            var i = start
            while i + 16 <= end {
                let v: SIMD16<Float> = loadVector(x + i)
                storeVector(v.replacing(with: 0, where: v .< 0), y + i)
                i += 16
            }
            while i < end {
                y[i] = max(x[i], 0)
                i += 1
            }
        }
    }

    /// dx = y > 0 ? dy : 0, where y is the ReLU's output. inputGradient may equal outputGradient.
    public static func reluBackward(
        outputGradient: UnsafePointer<Float>, output: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, count: Int
    ) {
        forEachRange(count: count) { start, end in
            maskGradient(outputGradient + start, reluOutput: output + start, into: inputGradient + start,
                         count: end - start)
        }
    }

    /// destination = reluOutput > 0 ? gradient : 0 over `count` floats, on the calling thread: the ReLU
    /// backward, which `reluBackward` runs in parallel and the conv backward kernels fuse into their reads.
    @inline(__always)
    static func maskGradient(
        _ gradient: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>,
        into destination: UnsafeMutablePointer<Float>, count: Int
    ) {
        var i = 0
        while i + 16 <= count {
            let dy: SIMD16<Float> = loadVector(gradient + i)
            let y: SIMD16<Float> = loadVector(reluOutput + i)
            storeVector(dy.replacing(with: 0, where: y .<= 0), destination + i)
            i += 16
        }
        while i < count {
            destination[i] = reluOutput[i] > 0 ? gradient[i] : 0
            i += 1
        }
    }

    /// out = a + b. out may equal a or b.
    public static func add(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int
    ) {
        forEachRange(count: count) { start, end in
            var i = start
            while i + 16 <= end {
                storeVector(loadVector(a + i) as SIMD16<Float> + loadVector(b + i), out + i)
                i += 16
            }
            while i < end {
                out[i] = a[i] + b[i]
                i += 1
            }
        }
    }

    /// y += x.
    public static func accumulate(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        add(x, UnsafePointer(y), y, count: count)
    }

    /// out = a · b (elementwise). out may equal a or b.
    public static func multiply(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int
    ) {
        forEachRange(count: count) { start, end in
            var i = start
            while i + 16 <= end {
                storeVector(loadVector(a + i) as SIMD16<Float> * loadVector(b + i), out + i)
                i += 16
            }
            while i < end {
                out[i] = a[i] * b[i]
                i += 1
            }
        }
    }

    /// out = x · s. out may equal x.
    public static func scale(_ x: UnsafePointer<Float>, by s: Float, _ out: UnsafeMutablePointer<Float>, count: Int) {
        forEachRange(count: count) { start, end in
            var i = start
            while i + 16 <= end {
                storeVector(loadVector(x + i) as SIMD16<Float> * s, out + i)
                i += 16
            }
            while i < end {
                out[i] = x[i] * s
                i += 1
            }
        }
    }

    /// x[0..<count] = value.
    public static func fill(_ x: UnsafeMutablePointer<Float>, with value: Float, count: Int) {
        forEachRange(count: count) { start, end in
            (x + start).update(repeating: value, count: end - start)
        }
    }

    /// Row r of out = w[r]·x[r] + (1 − w[r])·x[partners[r]], over rows of `columns` floats: mixup's blend of a
    /// batch with a permutation of itself. out must not alias x (a partner row may already be written).
    public static func blendRows(
        _ x: UnsafePointer<Float>, partners: UnsafePointer<Int>, weights: UnsafePointer<Float>, rows: Int,
        columns: Int, _ out: UnsafeMutablePointer<Float>
    ) {
        parallelRanges(count: rows, minimumPerChunk: max(1, parallelElementThreshold / max(columns, 1))) { range in
            for row in range {
                let (own, other, target) = (x + row * columns, x + partners[row] * columns, out + row * columns)
                let w = weights[row], v = 1 - weights[row]
                var i = 0
                while i + 16 <= columns {
                    storeVector(loadVector(own + i) as SIMD16<Float> * w + loadVector(other + i) * v, target + i)
                    i += 16
                }
                while i < columns {
                    target[i] = own[i] * w + other[i] * v
                    i += 1
                }
            }
        }
    }

    /// rows×columns matrix += bias (length columns) per row, then the activation (Dense forward after sgemm).
    public static func addBias(
        _ data: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns: Int,
        activation: Activation
    ) {
        let minimumRows = max(1, parallelElementThreshold / max(columns, 1))
        parallelRanges(count: rows, minimumPerChunk: minimumRows) { rowRange in
            for row in rowRange {
                let values = data + row * columns
                var j = 0
                while j + 16 <= columns {
                    let v = (loadVector(values + j) as SIMD16<Float>) + loadVector(bias + j)
                    storeVector(activate(v, activation), values + j)
                    j += 16
                }
                while j < columns {
                    values[j] = activate(values[j] + bias[j], activation)
                    j += 1
                }
            }
        }
    }
}
