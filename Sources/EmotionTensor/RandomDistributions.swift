// Draws from the normal, gamma and beta distributions on a SeededGenerator, for mixup's λ ~ Beta(α, α)
// (what Keras's MixUp draws as the ratio of two gamma draws).

import Foundation

extension SeededGenerator {
    /// A uniform Double in (0, 1): never 0, so its logarithm is finite.
    mutating func nextOpenUnitDouble() -> Double {
        (Double(next() >> 11) + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A standard normal draw (Box–Muller; the second value of the pair is not kept, so draws stay a pure
    /// function of the stream position).
    public mutating func nextStandardNormal() -> Double {
        let radius = (-2 * log(nextOpenUnitDouble())).squareRoot()
        return radius * cos(2 * Double.pi * nextOpenUnitDouble())
    }

    /// A Gamma(shape, 1) draw (Marsaglia & Tsang 2000); a shape below 1 draws Gamma(shape + 1)·U^(1/shape),
    /// as their paper shows.
    public mutating func nextGamma(shape: Double) -> Double {
        precondition(shape > 0, "nextGamma: the shape \(shape) is not positive")
        if shape < 1 { return nextGamma(shape: shape + 1) * pow(nextOpenUnitDouble(), 1 / shape) }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = nextStandardNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            if log(nextOpenUnitDouble()) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
        }
    }

    /// A Beta(a, b) draw: X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    public mutating func nextBeta(_ a: Double, _ b: Double) -> Double {
        let x = nextGamma(shape: a), y = nextGamma(shape: b)
        return x + y > 0 ? x / (x + y) : (nextOpenUnitDouble() < a / (a + b) ? 1 : 0)
    }
}
