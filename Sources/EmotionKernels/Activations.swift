// Elementwise activations of the EfficientNet backbones and their backward passes: ReLU6, SiLU (swish),
// sigmoid.
//
// Legend: count = number of floats. Outputs may alias inputs. One pass over memory, split across threads
// when large (see `forEachRange`).

import Foundation

extension Kernels {
    /// y = min(max(x, 0), 6).
    public static func relu6(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        forEachRange(count: count) { start, end in
            var i = start
            let low = SIMD16<Float>(repeating: 0), high = SIMD16<Float>(repeating: 6)
            while i + 16 <= end {
                storeVector(clamp(loadVector(x + i), low, high), y + i)
                i += 16
            }
            while i < end {
                y[i] = min(max(x[i], 0), 6)
                i += 1
            }
        }
    }

    /// dx = dy where 0 < y < 6 (y the ReLU6 output), else 0 (PyTorch's hardtanh rule: no gradient at the
    /// clamp points).
    public static func relu6Backward(
        outputGradient: UnsafePointer<Float>, output: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, count: Int
    ) {
        forEachRange(count: count) { start, end in
            var i = start
            while i + 16 <= end {
                let dy: SIMD16<Float> = loadVector(outputGradient + i)
                let y: SIMD16<Float> = loadVector(output + i)
                storeVector(dy.replacing(with: 0, where: (y .<= 0) .| (y .>= 6)), inputGradient + i)
                i += 16
            }
            while i < end {
                inputGradient[i] = output[i] > 0 && output[i] < 6 ? outputGradient[i] : 0
                i += 1
            }
        }
    }

    /// y = 1 / (1 + e^−x).
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        forEachRange(count: count) { start, end in
            for i in start..<end { y[i] = logistic(x[i]) }
        }
    }

    /// dx = dy · y · (1 − y), y the sigmoid output.
    public static func sigmoidBackward(
        outputGradient: UnsafePointer<Float>, output: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, count: Int
    ) {
        forEachRange(count: count) { start, end in
            for i in start..<end { inputGradient[i] = outputGradient[i] * output[i] * (1 - output[i]) }
        }
    }

    /// y = x · sigmoid(x) (SiLU, a.k.a. swish).
    public static func silu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        forEachRange(count: count) { start, end in
            for i in start..<end { y[i] = x[i] * logistic(x[i]) }
        }
    }

    /// dx = dy · s · (1 + x · (1 − s)) with s = sigmoid(x), x the SiLU input.
    public static func siluBackward(
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, count: Int
    ) {
        forEachRange(count: count) { start, end in
            for i in start..<end {
                let s = logistic(input[i])
                inputGradient[i] = outputGradient[i] * s * (1 + input[i] * (1 - s))
            }
        }
    }

    @inline(__always)
    private static func logistic(_ x: Float) -> Float {
        1 / (1 + expf(-x))
    }
}
