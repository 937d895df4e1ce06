// SGEMMBenchmark: the matrix multiply alone (`emotion bench --model sgemm`), square products of the sizes
// the kernel targets are stated for, so compare_frameworks.py can put its GFLOP/s next to the machine's
// matmul peak measured in the same run.

import EmotionKernels

public enum SGEMMBenchmark {
    /// What to measure.
    public struct Configuration: Sendable {
        /// The sides n of the n×n×n products.
        public var sizes: [Int]
        /// Timed repetitions of each product, at least (the best one counts).
        public var steps: Int
        /// Untimed repetitions first, at least.
        public var warmup: Int
        /// Each size repeats until its timed runs add up to this many seconds too (and its warm-up to a fifth
        /// of it): a 512³ product takes 2 ms, and five of them right after start-up caught the CPU and the
        /// second thread before they were up to speed (65-93% of peak between runs of the same binary),
        /// while the matmul peak they are compared with is the best of five ~1 s products.
        public var minimumSeconds: Double
        public var threads: Int
        /// The kernel variant to run on (nil: the one this CPU selects).
        public var variant: Kernels.Variant?

        public init(
            sizes: [Int] = [512, 1024, 2048], steps: Int = 5, warmup: Int = 1, minimumSeconds: Double = 0.5,
            threads: Int = Kernels.threadCount, variant: Kernels.Variant? = nil
        ) {
            self.sizes = sizes
            self.steps = steps
            self.warmup = warmup
            self.minimumSeconds = minimumSeconds
            self.threads = threads
            self.variant = variant
        }
    }

    /// One size's best time.
    public struct Measurement: Sendable {
        public let size: Int
        public let bestMilliseconds: Double
        /// Timed runs the best was chosen from.
        public let runs: Int
        /// 2·n³ FLOPs over the best time, in units of 1e9.
        public var gflops: Double { 2 * Double(size) * Double(size) * Double(size) / (bestMilliseconds / 1000) / 1e9 }
    }

    public struct Result: Sendable {
        public let configuration: Configuration
        /// The kernel variant that ran.
        public let variant: Kernels.Variant
        public let measurements: [Measurement]
    }

    /// C = A · B (no transposes, beta 0) on seeded values for each size, the best of its timed runs.
    public static func run(_ configuration: Configuration) -> Result {
        Kernels.withThreadCount(configuration.threads) {
            Kernels.withVariant(configuration.variant ?? Kernels.activeVariant) {
                Result(configuration: configuration, variant: Kernels.activeVariant,
                       measurements: configuration.sizes.map { measure(size: $0, configuration) })
            }
        }
    }

    private static func measure(size n: Int, _ configuration: Configuration) -> Measurement {
        let count = n * n
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for index in 0..<count {
            a[index] = Float(index % 7) * 0.25 - 0.75
            b[index] = Float(index % 5) * 0.5 - 1
        }
        func multiply() {
            Kernels.sgemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n,
                          beta: 0, c: c, ldc: n)
        }
        /// The times of `multiply` run at least `count` times and until they add up to `milliseconds`.
        func times(atLeast count: Int, totalling milliseconds: Double) -> [Double] {
            var times: [Double] = [], total = 0.0
            while times.count < count || total < milliseconds {
                times.append(TrainingBenchmark.milliseconds(multiply))
                total += times[times.count - 1]
            }
            return times
        }
        _ = times(atLeast: configuration.warmup, totalling: configuration.minimumSeconds * 1000 / 5)
        let timed = times(atLeast: max(configuration.steps, 1), totalling: configuration.minimumSeconds * 1000)
        return Measurement(size: n, bestMilliseconds: timed.min()!, runs: timed.count)
    }
}
