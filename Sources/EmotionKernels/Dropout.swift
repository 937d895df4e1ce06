// Inverted dropout with masks from a counter-based hash, so any element's mask depends only on (seed, index):
// it is applied in parallel, reproduced exactly, and never stored (the backward applies it again).
//
// Legend: count = number of elements; rate = probability an element is dropped.

extension Kernels {
    /// output[i] = input[i] · mask(seed, i), where the mask is 1/(1−rate) with probability 1−rate, else 0.
    /// The backward is the same call on the output gradient. `output` may equal `input`.
    public static func applyDropout(
        _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int, rate: Float,
        seed: UInt64
    ) {
        let keepProbability = min(max(1 - rate, 0), 1)
        let keptScale: Float = keepProbability > 0 ? 1 / keepProbability : 0
        // Keep when the hash's top 24 bits fall below keepProbability · 2^24.
        let threshold = UInt32((Double(keepProbability) * 16_777_216).rounded())
        forEachRange(count: count) { start, end in
            var i = start
            while i < end {
                // Indices are hashed as 32-bit counters under a key derived from (seed, index >> 32).
                let key = DropoutKey(seed: seed, block: UInt64(i) >> 32)
                let blockEnd = min(end, (i | 0xFFFF_FFFF) + 1)
                let lanes = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
                while i + 16 <= blockEnd {
                    let bits = key.hash(SIMD16<UInt32>(repeating: UInt32(truncatingIfNeeded: i)) &+ lanes)
                    let kept = (bits &>> 8) .< SIMD16<UInt32>(repeating: threshold)
                    let x: SIMD16<Float> = loadVector(input + i)
                    storeVector(SIMD16<Float>().replacing(with: x * keptScale, where: kept), output + i)
                    i += 16
                }
                while i < blockEnd {
                    let bits = key.hash(SIMD16<UInt32>(repeating: UInt32(truncatingIfNeeded: i)))[0]
                    output[i] = (bits >> 8) < threshold ? input[i] * keptScale : 0
                    i += 1
                }
            }
        }
    }
}

/// Two 32-bit round keys and a murmur3-finaliser-based mix of a 32-bit counter under them.
private struct DropoutKey {
    let first: UInt32
    let second: UInt32

    init(seed: UInt64, block: UInt64) {
        // SplitMix64 of the seed and block gives well-spread keys even for seeds 0, 1, 2, ...
        var z = seed &+ (block &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        first = UInt32(truncatingIfNeeded: z)
        second = UInt32(truncatingIfNeeded: z >> 32)
    }

    @inline(__always)
    func hash(_ counter: SIMD16<UInt32>) -> SIMD16<UInt32> {
        Self.finalize(Self.finalize(counter ^ first) ^ second)
    }

    @inline(__always)
    private static func finalize(_ x: SIMD16<UInt32>) -> SIMD16<UInt32> {
        var h = x
        h ^= h &>> 16
        h &*= 0x85EB_CA6B
        h ^= h &>> 13
        h &*= 0xC2B2_AE35
        h ^= h &>> 16
        return h
    }
}
