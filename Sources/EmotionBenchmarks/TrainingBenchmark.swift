// TrainingBenchmark: times training steps (forward + backward + Adam) and inference of a zoo model on
// seeded random data, counts the FLOPs, reads the peak RSS, and optionally times each layer.

import EmotionTraining
import EmotionKernels
import EmotionNN

public enum TrainingBenchmark {
    /// What to measure.
    public struct Configuration: Sendable {
        public var model: String
        public var classes: Int
        public var batchSize: Int
        /// Timed training steps (and timed inference batches).
        public var steps: Int
        /// Untimed training steps first (first-touch allocation, optimizer state, caches).
        public var warmup: Int
        /// `Kernels.threadCount` for the run.
        public var threads: Int
        /// The kernel variant to run on (nil: the one this CPU selects, `Kernels.activeVariant`).
        public var variant: Kernels.Variant?
        /// Seeds the weights, the random images and labels, and the dropout masks.
        public var seed: UInt64
        /// Also time every layer's forward and backward pass (`Profile`).
        public var profileLayers: Bool

        public init(
            model: String, classes: Int = 6, batchSize: Int = 32, steps: Int = 10, warmup: Int = 2,
            threads: Int = Kernels.threadCount, variant: Kernels.Variant? = nil, seed: UInt64 = 0,
            profileLayers: Bool = false
        ) {
            self.model = model
            self.classes = classes
            self.batchSize = batchSize
            self.steps = steps
            self.warmup = warmup
            self.threads = threads
            self.variant = variant
            self.seed = seed
            self.profileLayers = profileLayers
        }
    }

    /// The measurements of one run.
    public struct Result: Sendable {
        public let configuration: Configuration
        /// The kernel variant that ran.
        public let variant: Kernels.Variant
        public let parameterCount: Int
        /// Each timed training step, in order.
        public let stepMilliseconds: [Double]
        /// Each timed inference batch (forward in inference mode, no tape), in order.
        public let inferenceMilliseconds: [Double]
        /// The FLOPs of one training example, per layer.
        public let layerFLOPs: [LayerFLOPs]
        /// Peak RSS after the timed steps and inference (before any layer profile).
        public let peakResidentMegabytes: Double
        /// Blocks the buffer pool had to get from the system during the timed steps (0: the steps ran
        /// entirely on reused memory).
        public let allocationsDuringTimedSteps: Int
        /// The most tensor and scratch memory in use at once, in MB.
        public let peakPoolMegabytes: Double
        public let profile: Profile?

        public var stepMillisecondsMedian: Double { TrainingBenchmark.median(stepMilliseconds) }
        public var inferenceMillisecondsMedian: Double { TrainingBenchmark.median(inferenceMilliseconds) }
        public var inferenceImagesPerSecond: Double {
            Double(configuration.batchSize) / inferenceMillisecondsMedian * 1000
        }
        public var trainFLOPsPerExample: Int { layerFLOPs.reduce(0) { $0 + $1.total } }
        public var trainFLOPsPerStep: Int { trainFLOPsPerExample * configuration.batchSize }
        /// Counted training FLOPs per second of the median step, in units of 1e9.
        public var trainGFLOPs: Double { Double(trainFLOPsPerStep) / (stepMillisecondsMedian / 1000) / 1e9 }
    }

    /// Median times of each part of a training step, measured separately, stage by stage (a layer, or a
    /// convolution and the max pooling it runs in one pass: `Sequential.Stage`). A stage's backward time is
    /// taken on its own tape (the stage alone, seeded with an output gradient of ones), so the stages'
    /// figures need not add up exactly to `backwardMilliseconds`, which is the whole step's `tape.gradients`.
    public struct Profile: Sendable {
        public struct Stage: Sendable {
            /// The FLOPs of the stage's layers.
            public let layers: [LayerFLOPs]
            public let forwardMilliseconds: Double
            public let backwardMilliseconds: Double

            public var forwardFLOPs: Int { layers.reduce(0) { $0 + $1.forward } }
            public var backwardFLOPs: Int { layers.reduce(0) { $0 + $1.backward } }
        }

        public let stages: [Stage]
        /// Softmax cross-entropy forward.
        public let lossMilliseconds: Double
        /// The whole backward pass of a training step (loss included).
        public let backwardMilliseconds: Double
        /// `Adam.step` over all parameters.
        public let optimizerMilliseconds: Double

        public var forwardMilliseconds: Double { stages.reduce(0) { $0 + $1.forwardMilliseconds } }
    }

    /// Builds `configuration.model`, trains `warmup` + `steps` steps on one random batch, times `steps`
    /// inference batches, and reads the peak RSS, with the kernels on `configuration.threads` threads and
    /// `configuration.variant`.
    public static func run(_ configuration: Configuration) throws -> Result {
        try Kernels.withThreadCount(configuration.threads) {
            try Kernels.withVariant(configuration.variant ?? Kernels.activeVariant) { try measure(configuration) }
        }
    }

    /// `run` inside its thread-count and variant scope.
    private static func measure(_ configuration: Configuration) throws -> Result {
        let model = try ModelZoo.make(name: configuration.model, classes: configuration.classes,
                                      seed: configuration.seed)
        let layerFLOPs = try model.trainingFLOPsPerExample()
        let (images, labels) = randomBatch(for: model, configuration: configuration)
        let optimizer = Adam()

        var stepIndex: UInt64 = 0
        func trainStep() {
            _ = model.trainStep(images: images, labels: labels, optimizer: optimizer,
                                dropoutSeed: configuration.seed &+ stepIndex)
            stepIndex += 1
        }
        for _ in 0..<configuration.warmup { trainStep() }
        let poolBefore = BufferPool.current.statistics
        let stepMilliseconds = (0..<configuration.steps).map { _ in milliseconds(trainStep) }
        let poolAfter = BufferPool.current.statistics

        _ = model.predict(images)
        let inferenceMilliseconds = (0..<configuration.steps).map { _ in
            milliseconds { _ = model.predict(images) }
        }
        let peakResidentMegabytes = PeakMemory.residentMegabytes()

        let profile = configuration.profileLayers
            ? profileLayers(of: model, images: images, labels: labels, optimizer: optimizer,
                            layerFLOPs: layerFLOPs, repeats: configuration.steps, seed: configuration.seed)
            : nil
        return Result(configuration: configuration, variant: Kernels.activeVariant,
                      parameterCount: model.parameterCount,
                      stepMilliseconds: stepMilliseconds, inferenceMilliseconds: inferenceMilliseconds,
                      layerFLOPs: layerFLOPs, peakResidentMegabytes: peakResidentMegabytes,
                      allocationsDuringTimedSteps: poolAfter.freshAllocations - poolBefore.freshAllocations,
                      peakPoolMegabytes: Double(poolAfter.peakBytesInUse) / 1_048_576, profile: profile)
    }

    /// Uniform [0, 1) images and uniform labels, from `configuration.seed`.
    private static func randomBatch(
        for model: Sequential, configuration: Configuration
    ) -> (images: Tensor, labels: [Int32]) {
        var generator = SeededGenerator(seed: SeededGenerator.derivedSeed(configuration.seed, index: 1))
        let shape = [configuration.batchSize] + model.inputShape
        let scalars = (0..<shape.reduce(1, *)).map { _ in generator.nextUnitFloat() }
        let labels = (0..<configuration.batchSize).map { _ in
            Int32(generator.next() % UInt64(configuration.classes))
        }
        return (Tensor(shape: shape, scalars: scalars), labels)
    }

    /// Times each part of a training step `repeats` times and keeps the medians (see `Profile`).
    private static func profileLayers(
        of model: Sequential, images: Tensor, labels: [Int32], optimizer: Adam, layerFLOPs: [LayerFLOPs],
        repeats: Int, seed: UInt64
    ) -> Profile {
        let stages = model.stages
        let stageCount = stages.count
        var forward = [[Double]](repeating: [], count: stageCount)
        var backward = [[Double]](repeating: [], count: stageCount)
        var loss: [Double] = [], wholeBackward: [Double] = [], adam: [Double] = []
        // A stage passes a gradient to its input once a trainable layer came before it (as in the FLOP count).
        var inputNeedsGradient: [Bool] = []
        var seen = false
        for stage in stages {
            inputNeedsGradient.append(seen)
            seen = seen || stage.layers.contains { $0.parameters.contains(where: \.isTrainable) }
        }

        for repeatIndex in 0..<repeats {
            model.reseedDropout(seed &+ UInt64(repeatIndex))
            let tape = Tape()
            var x = tape.constant(images)
            var stageInputs: [Tensor] = []
            for (index, stage) in stages.enumerated() {
                stageInputs.append(x.value)
                let input = x
                x = timed(into: &forward[index]) { applyForTraining(stage, input, isLast: index == stageCount - 1) }
            }
            let logits = x
            let (lossValue, _) = timed(into: &loss) { softmaxCrossEntropy(logits: logits, labels: labels) }
            let gradients = timed(into: &wholeBackward) { tape.gradients(of: lossValue) }
            let parameters = model.parameters
            for parameter in parameters {
                parameter.gradient = parameter.isTrainable ? gradients[key: parameter] : nil
            }
            timed(into: &adam) { optimizer.step(parameters) }

            for (index, stage) in stages.enumerated() {
                let stageTape = Tape()
                let input = inputNeedsGradient[index]
                    ? stageTape.variable(stageInputs[index]) : stageTape.constant(stageInputs[index])
                let output = applyForTraining(stage, input, isLast: index == stageCount - 1)
                let outputGradient = Tensor(shape: output.shape, repeating: 1)
                timed(into: &backward[index]) { _ = stageTape.gradients(of: output, seed: outputGradient) }
            }
        }
        var firstLayer = 0
        let profiled = stages.enumerated().map { index, stage in
            defer { firstLayer += stage.layers.count }
            return Profile.Stage(layers: Array(layerFLOPs[firstLayer..<(firstLayer + stage.layers.count)]),
                                 forwardMilliseconds: median(forward[index]),
                                 backwardMilliseconds: median(backward[index]))
        }
        return Profile(stages: profiled, lossMilliseconds: median(loss), backwardMilliseconds: median(wholeBackward),
                       optimizerMilliseconds: median(adam))
    }

    /// The stage in training mode; a final softmax Dense gives logits, as `Sequential.trainStep` uses it.
    private static func applyForTraining(_ stage: Sequential.Stage, _ x: Variable, isLast: Bool) -> Variable {
        if isLast, case let .layer(dense as Dense) = stage, dense.activation == .softmax {
            return dense.logits(x, mode: .training)
        }
        return stage(x, mode: .training)
    }

    /// Runs `body` and appends its wall time in milliseconds to `times`.
    @discardableResult
    private static func timed<T>(into times: inout [Double], _ body: () -> T) -> T {
        let start = ContinuousClock.now
        let result = body()
        times.append(milliseconds(ContinuousClock.now - start))
        return result
    }

    static func milliseconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        return milliseconds(ContinuousClock.now - start)
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// The middle value (the mean of the two middle ones for an even count); 0 for none.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
