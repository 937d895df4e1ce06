// Per-image, per-channel spatial kernels: global average pooling and the channel gating of
// squeeze-and-excitation (x · gate[n, c]), with their backward passes. Both backward passes of the gate
// are spatial reductions like the pooling itself.
//
// Legend: N batch, P = H·W pixels per image, C channels. x, y NHWC [N, P, C]; pooled, gate [N, C].

extension Kernels {
    /// pooled[n, c] = Σ_p x[n, p, c] / P.
    public static func globalAveragePoolForward(
        _ x: UnsafePointer<Float>, batch: Int, pixels: Int, channels: Int, output: UnsafeMutablePointer<Float>
    ) {
        parallelFor(chunks: batch) { n in
            let target = output + n * channels
            target.update(repeating: 0, count: channels)
            for p in 0..<pixels {
                let source = x + (n * pixels + p) * channels
                var c = 0
                while c + 16 <= channels {
                    storeVector(loadVector(target + c) as SIMD16<Float> + loadVector(source + c), target + c)
                    c += 16
                }
                while c < channels {
                    target[c] += source[c]
                    c += 1
                }
            }
            let inverse = 1 / Float(max(pixels, 1))
            for c in 0..<channels { target[c] *= inverse }
        }
    }

    /// dx[n, p, c] = dPooled[n, c] / P.
    public static func globalAveragePoolBackward(
        outputGradient: UnsafePointer<Float>, batch: Int, pixels: Int, channels: Int,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        let inverse = 1 / Float(max(pixels, 1))
        parallelFor(chunks: batch) { n in
            let gradient = outputGradient + n * channels
            for p in 0..<pixels {
                let target = inputGradient + (n * pixels + p) * channels
                for c in 0..<channels { target[c] = gradient[c] * inverse }
            }
        }
    }

    /// y[n, p, c] = x[n, p, c] · gate[n, c]. y may equal x.
    public static func multiplyChannels(
        _ x: UnsafePointer<Float>, gate: UnsafePointer<Float>, batch: Int, pixels: Int, channels: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        parallelFor(chunks: batch) { n in
            let g = gate + n * channels
            for p in 0..<pixels {
                let offset = (n * pixels + p) * channels
                let source = x + offset, target = output + offset
                var c = 0
                while c + 16 <= channels {
                    storeVector(loadVector(source + c) as SIMD16<Float> * loadVector(g + c), target + c)
                    c += 16
                }
                while c < channels {
                    target[c] = source[c] * g[c]
                    c += 1
                }
            }
        }
    }

    /// dGate[n, c] = Σ_p dy[n, p, c] · x[n, p, c].
    public static func multiplyChannelsBackwardGate(
        outputGradient dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, batch: Int, pixels: Int,
        channels: Int, gateGradient: UnsafeMutablePointer<Float>
    ) {
        parallelFor(chunks: batch) { n in
            let target = gateGradient + n * channels
            target.update(repeating: 0, count: channels)
            for p in 0..<pixels {
                let offset = (n * pixels + p) * channels
                channelMultiplyAdd(dy + offset, x + offset, into: target, count: channels)
            }
        }
    }
}
