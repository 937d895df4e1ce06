// MT19937 seeded the way NumPy's legacy `np.random.RandomState(seed)` seeds it, and the legacy
// `RandomState.shuffle`, so that the training/validation split is the very one Keras makes.

/// The 32-bit Mersenne Twister (Matsumoto & Nishimura 1998), seeded with `init_genrand(seed)`.
///
/// `np.random.RandomState(seed)` with an integer seed uses exactly this seeding, so
/// `next()` returns the 32-bit words NumPy's legacy generator draws from.
public struct MersenneTwister: Sendable {
    private static let stateSize = 624
    private static let shift = 397
    private static let matrixA: UInt32 = 0x9908_B0DF
    private static let upperMask: UInt32 = 0x8000_0000
    private static let lowerMask: UInt32 = 0x7FFF_FFFF

    private var state: [UInt32]
    private var position: Int

    public init(seed: UInt32) {
        var state = [UInt32](repeating: 0, count: Self.stateSize)
        state[0] = seed
        for i in 1..<Self.stateSize {
            let previous = state[i - 1]
            state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        self.state = state
        position = Self.stateSize
    }

    /// The next tempered 32-bit output.
    public mutating func next() -> UInt32 {
        if position >= Self.stateSize { regenerate() }
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// A uniform integer in `0...max`, as NumPy's `random_interval`: the 32-bit output masked to the
    /// smallest all-ones mask covering `max`, redrawn while it exceeds `max`.
    public mutating func interval(upTo max: UInt32) -> UInt32 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        while true {
            let value = next() & mask
            if value <= max { return value }
        }
    }

    private mutating func regenerate() {
        let n = Self.stateSize
        let m = Self.shift
        func twist(_ upper: UInt32, _ lower: UInt32, _ far: UInt32) -> UInt32 {
            let y = (upper & Self.upperMask) | (lower & Self.lowerMask)
            return far ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : Self.matrixA)
        }
        for k in 0..<(n - m) {
            state[k] = twist(state[k], state[k + 1], state[k + m])
        }
        for k in (n - m)..<(n - 1) {
            state[k] = twist(state[k], state[k + 1], state[k + m - n])
        }
        state[n - 1] = twist(state[n - 1], state[0], state[m - 1])
        position = 0
    }
}

extension MutableCollection where Self: RandomAccessCollection, Index == Int {
    /// Shuffles in place exactly as `np.random.RandomState(seed).shuffle(list)`: Fisher-Yates from the
    /// last element down to the second, swapping element `i` with `random_interval(i)`.
    public mutating func shuffleLikeNumPy(seed: UInt32) {
        guard count > 1 else { return }
        precondition(count - 1 <= Int(UInt32.max), "NumPy draws 64-bit words past 2^32 elements")
        var generator = MersenneTwister(seed: seed)
        for offset in stride(from: count - 1, through: 1, by: -1) {
            let other = Int(generator.interval(upTo: UInt32(offset)))
            swapAt(startIndex + offset, startIndex + other)
        }
    }
}
