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
            var i = start
            while i + 16 <= end {
                storeVector(logistic(loadVector(x + i)), y + i)
                i += 16
            }
            while i < end {
                y[i] = logistic(x[i])
                i += 1
            }
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
            var i = start
            while i + 16 <= end {
                let v: SIMD16<Float> = loadVector(x + i)
                storeVector(v * logistic(v), y + i)
                i += 16
            }
            while i < end {
                y[i] = x[i] * logistic(x[i])
                i += 1
            }
        }
    }

    /// dx = dy · s · (1 + x · (1 − s)) with s = sigmoid(x), x the SiLU input.
    public static func siluBackward(
        outputGradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, count: Int
    ) {
        forEachRange(count: count) { start, end in
            var i = start
            let one = SIMD16<Float>(repeating: 1)
            while i + 16 <= end {
                let v: SIMD16<Float> = loadVector(input + i)
                let s = logistic(v)
                storeVector((loadVector(outputGradient + i) as SIMD16<Float>) * s * (one + v * (one - s)),
                            inputGradient + i)
                i += 16
            }
            while i < end {
                let s = logistic(input[i])
                inputGradient[i] = outputGradient[i] * s * (1 + input[i] * (1 - s))
                i += 1
            }
        }
    }

    @inline(__always)
    static func logistic(_ x: Float) -> Float {
        1 / (1 + expf(-x))
    }

    /// 1 / (1 + e^−x) per lane, through `exponential`.
    ///
    /// This and the other per-vector helpers of the activations (`exponential`, `clamp`, `activate`,
    /// `ChannelAffineActivation.apply`/`backpropagate`) are `@_transparent`: marked `@inline(__always)`, the
    /// optimiser still left 36 calls to `logistic` alone in the kernels, each reloading the polynomial's
    /// constants (9% of a V2-B3 fine-tune step's samples went to the calls).
    @_transparent
    static func logistic(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let one = SIMD16<Float>(repeating: 1)
        return one / (one + exponential(-x))
    }

    /// e^x per lane, within 2 ulp of `expf` for x in [−87, 88] (inputs are clamped to that range: below it
    /// the result is ~1e-38 instead of a denormal or 0, above it ~1.7e38 instead of infinity, which the
    /// logistic turns into the same 0 or 1). x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for an exact
    /// n·ln2), e^r by its degree-7 Taylor polynomial, 2^n built in the exponent bits. The constants are
    /// broadcasts of literals, which the compiler hoists out of the loops that call this.
    @_transparent
    static func exponential(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let clamped = clamp(x, SIMD16(repeating: -87), SIMD16(repeating: 88))
        // Adding 1.5·2^23 rounds x·log2(e) to an integer n, which then sits in the low mantissa bits.
        let shifter = SIMD16<Float>(repeating: 12_582_912)
        var shifted = shifter
        shifted.addProduct(clamped, SIMD16(repeating: 1.442_695_04))
        let n = shifted - shifter
        var r = clamped
        r.addProduct(n, SIMD16(repeating: -0.693_145_751_953_125))
        r.addProduct(n, SIMD16(repeating: -1.428_606_765_330_187e-6))
        var p = SIMD16<Float>(repeating: 1.0 / 5040)
        p = p * r + SIMD16(repeating: 1.0 / 720)
        p = p * r + SIMD16(repeating: 1.0 / 120)
        p = p * r + SIMD16(repeating: 1.0 / 24)
        p = p * r + SIMD16(repeating: 1.0 / 6)
        p = p * r + SIMD16(repeating: 0.5)
        p = p * r + SIMD16(repeating: 1)
        p = p * r + SIMD16(repeating: 1)
        // The bits of 1.5·2^23 minus the exponent bias 127: subtracting them leaves n + 127.
        let exponentBits = (unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- SIMD16(repeating: 0x4B40_0000 - 127))
            &<< SIMD16(repeating: 23)
        return p * unsafeBitCast(exponentBits, to: SIMD16<Float>.self)
    }
}
