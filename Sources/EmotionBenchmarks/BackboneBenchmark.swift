// BackboneBenchmark: the three speeds of a pretrained-backbone model (`emotion bench --model
// efficientnet-lite0|efficientnetv2-b3`) on seeded random weights and images: frozen feature extraction,
// the head step `finetune` runs on cached features, and a full fine-tune step; optionally where the
// backbone's time goes, by op type.

import EmotionTraining
import EmotionKernels
import EmotionNN

public enum BackboneBenchmark {
    /// What to measure.
    public struct Configuration: Sendable {
        /// A zoo backbone name (`ModelZoo.Backbone`).
        public var model: String
        public var classes: Int
        /// Square input side.
        public var imageSize: Int
        public var batchSize: Int
        /// Timed repetitions of each measurement.
        public var steps: Int
        /// Untimed repetitions first (first-touch allocation, optimizer state).
        public var warmup: Int
        public var threads: Int
        /// The kernel variant to run on (nil: the one this CPU selects, `Kernels.activeVariant`).
        public var variant: Kernels.Variant?
        /// Seeds the weights, images and labels.
        public var seed: UInt64
        /// Also time each op type (`OpProfile`).
        public var profileOps: Bool

        public init(
            model: String, classes: Int = 6, imageSize: Int = 224, batchSize: Int = 32, steps: Int = 3,
            warmup: Int = 1, threads: Int = Kernels.threadCount, variant: Kernels.Variant? = nil, seed: UInt64 = 0,
            profileOps: Bool = false
        ) {
            self.model = model
            self.classes = classes
            self.imageSize = imageSize
            self.batchSize = batchSize
            self.steps = steps
            self.warmup = warmup
            self.threads = threads
            self.variant = variant
            self.seed = seed
            self.profileOps = profileOps
        }
    }

    /// The measurements of one run.
    public struct Result: Sendable {
        public let configuration: Configuration
        /// The kernel variant that ran.
        public let variant: Kernels.Variant
        public let parameterCount: Int
        /// Each timed `extractFeatures` call on one batch (inference mode, no tape).
        public let featureMilliseconds: [Double]
        /// Each timed head step on cached features (frozen backbone: forward + backward + Adam of the head);
        /// at least 20 of them.
        public let headStepMilliseconds: [Double]
        /// Each timed full fine-tune step (everything trainable, batch norms on batch statistics).
        public let finetuneStepMilliseconds: [Double]
        /// Forward and backward FLOPs of one full fine-tune example, per top-level layer.
        public let layerFLOPs: [LayerFLOPs]
        /// Peak RSS after the timed measurements (before any profile).
        public let peakResidentMegabytes: Double
        public let profile: OpProfile?

        public var featureImagesPerSecond: Double {
            Double(configuration.batchSize) / TrainingBenchmark.median(featureMilliseconds) * 1000
        }
        public var headStepMillisecondsMedian: Double { TrainingBenchmark.median(headStepMilliseconds) }
        public var finetuneStepMillisecondsMedian: Double { TrainingBenchmark.median(finetuneStepMilliseconds) }
        public var trainFLOPsPerStep: Int { layerFLOPs.reduce(0) { $0 + $1.total } * configuration.batchSize }
        /// Counted fine-tune FLOPs per second of the median step, in units of 1e9.
        public var finetuneGFLOPs: Double {
            Double(trainFLOPsPerStep) / (finetuneStepMillisecondsMedian / 1000) / 1e9
        }
    }

    /// Median milliseconds per op type over one batch. Inference is the frozen feature pass (batch norm
    /// folded into the conv); training forward is the full fine-tune forward; backward times each op
    /// alone on its own tape (seeded with an output gradient of ones), so it excludes the tape's
    /// gradient accumulation.
    public struct OpProfile: Sendable {
        public struct Row: Sendable {
            public let category: String
            /// How many ops of this type one forward pass runs.
            public let count: Int
            public let inferenceMilliseconds: Double
            public let forwardMilliseconds: Double
            public let backwardMilliseconds: Double
        }

        public let rows: [Row]
    }

    /// Builds the model, then times `warmup` + `steps` feature extractions, head steps on the cached
    /// features, and full fine-tune steps, in that order, with the kernels on `configuration.threads` threads
    /// and `configuration.variant`.
    public static func run(_ configuration: Configuration) throws -> Result {
        try Kernels.withThreadCount(configuration.threads) {
            try Kernels.withVariant(configuration.variant ?? Kernels.activeVariant) { try measure(configuration) }
        }
    }

    /// `run` inside its thread-count and variant scope.
    private static func measure(_ configuration: Configuration) throws -> Result {
        let net = try ModelZoo.makeBackboneClassifier(name: configuration.model, classes: configuration.classes,
                                                      seed: configuration.seed, imageSize: configuration.imageSize)
        let (images, labels) = randomBatch(configuration)

        var features = Tensor(shape: [1])
        let featureMilliseconds = timedRuns(configuration) {
            features = net.extractFeatures(images, batchSize: configuration.batchSize)
        }

        let headOptimizer = Adam()
        var step: UInt64 = 0
        // A head step takes about a millisecond: more repetitions keep its median steady.
        var headConfiguration = configuration
        headConfiguration.steps = max(configuration.steps, 20)
        let headStepMilliseconds = timedRuns(headConfiguration) {
            _ = net.head.trainStep(images: features, labels: labels, optimizer: headOptimizer,
                                   dropoutSeed: configuration.seed &+ step)
            step += 1
        }

        net.unfreezeBackbone(topUnits: nil, trainBatchNormStatistics: true)
        let layerFLOPs = try net.model.trainingFLOPsPerExample()
        let optimizer = Adam()
        let finetuneStepMilliseconds = timedRuns(configuration) {
            _ = net.model.trainStep(images: images, labels: labels, optimizer: optimizer,
                                    dropoutSeed: configuration.seed &+ step)
            step += 1
        }
        let peakResidentMegabytes = PeakMemory.residentMegabytes()

        let profile = configuration.profileOps
            ? profileOps(of: net, images: images, repeats: configuration.steps) : nil
        return Result(configuration: configuration, variant: Kernels.activeVariant,
                      parameterCount: net.model.parameterCount,
                      featureMilliseconds: featureMilliseconds, headStepMilliseconds: headStepMilliseconds,
                      finetuneStepMilliseconds: finetuneStepMilliseconds, layerFLOPs: layerFLOPs,
                      peakResidentMegabytes: peakResidentMegabytes, profile: profile)
    }

    /// Runs `body` `warmup` times untimed, then `steps` times timed.
    private static func timedRuns(_ configuration: Configuration, _ body: () -> Void) -> [Double] {
        for _ in 0..<configuration.warmup { body() }
        return (0..<configuration.steps).map { _ in TrainingBenchmark.milliseconds(body) }
    }

    /// Uniform [−1, 1) images (the backbones' input range) and uniform labels, from `configuration.seed`.
    private static func randomBatch(_ configuration: Configuration) -> (images: Tensor, labels: [Int32]) {
        var generator = SeededGenerator(seed: SeededGenerator.derivedSeed(configuration.seed, index: 1))
        let shape = [configuration.batchSize, configuration.imageSize, configuration.imageSize, 3]
        let scalars = (0..<shape.reduce(1, *)).map { _ in generator.nextUnitFloat() * 2 - 1 }
        let labels = (0..<configuration.batchSize).map { _ in
            Int32(generator.next() % UInt64(configuration.classes))
        }
        return (Tensor(shape: shape, scalars: scalars), labels)
    }

    // MARK: - Profile by op type

    /// One primitive op of the backbone, as the layers run it, in the passes it belongs to.
    private struct Op {
        enum Pass { case inference, training, both }

        let category: String
        let pass: Pass
        let apply: (Variable, Mode) -> Variable
    }

    /// The backbone's primitive ops in order: each ConvBatchNorm split into its conv and its batch norm
    /// (+ activation), squeeze-excitation as one op, and the residual adds (which take the block input as
    /// a second operand, so they are recorded with their block).
    private enum Step {
        case op(Op)
        case residual([Step])
    }

    private static func steps(of backbone: EfficientNet) -> [Step] {
        func unitSteps(_ unit: ConvBatchNorm) -> [Step] {
            guard let kernel = unit.kernel else { preconditionFailure("BackboneBenchmark: unbuilt unit") }
            let strides = (unit.stride, unit.stride), padding = unit.padding
            let convCategory: String
            let conv: (Variable, Mode) -> Variable
            if unit.kind == .depthwise {
                convCategory = "depthwise conv \(unit.kernelSize)x\(unit.kernelSize)"
                conv = { x, _ in depthwiseConv2d(x, kernel: operand(kernel, on: x.tape), strides: strides, padding: padding) }
            } else {
                convCategory = unit.kernelSize == 1 ? "pointwise conv 1x1 (GEMM)" : "conv \(unit.kernelSize)x\(unit.kernelSize) (implicit-im2col GEMM)"
                conv = { x, _ in conv2d(x, kernel: operand(kernel, on: x.tape), strides: strides, padding: padding) }
            }
            let norm = unit.norm
            return [
                .op(Op(category: convCategory, pass: .training, apply: conv)),
                .op(Op(category: "batch norm + \(norm.activation.rawValue)", pass: .training) { x, mode in norm(x, mode: mode) }),
                .op(Op(category: "\(convCategory) + folded BN + \(norm.activation.rawValue)", pass: .inference) { x, mode in
                    unit(x, mode: mode)
                }),
            ]
        }
        func layerSteps(_ layer: any Layer) -> [Step] {
            switch layer {
            case let unit as ConvBatchNorm: return unitSteps(unit)
            case let block as ResidualBlock:
                let inner = block.layers.flatMap(layerSteps)
                return block.hasSkip ? [.residual(inner)] : inner
            default:
                return [.op(Op(category: "squeeze-excitation", pass: .both) { x, mode in layer(x, mode: mode) })]
            }
        }
        return backbone.units.flatMap(layerSteps)
    }

    /// `parameter` as the layers pass it to an op: a gradient leaf on `tape` when trainable, else a constant.
    private static func operand(_ parameter: Parameter, on tape: Tape?) -> Variable {
        guard let tape, parameter.isTrainable else { return Variable(parameter.value) }
        return tape.variable(for: parameter, value: parameter.value)
    }

    /// Times every op of one inference pass and one training forward pass through the backbone, and each
    /// training op's backward alone; medians over `repeats`.
    private static func profileOps(of net: BackboneClassifier, images: Tensor, repeats: Int) -> OpProfile {
        var entries: [String: ProfileEntry] = [:]
        var order: [String] = []
        func entry(_ category: String) -> ProfileEntry {
            if let existing = entries[category] { return existing }
            let created = ProfileEntry()
            entries[category] = created
            order.append(category)
            return created
        }
        let allSteps = steps(of: net.backbone)
        let addCategory = "residual add"
        for repeatIndex in 0..<repeats {
            // Inference: the fused units (conv + folded norm) and the rest, no tape.
            func infer(_ steps: [Step], _ x: Variable) -> Variable {
                var x = x
                for step in steps {
                    switch step {
                    case .op(let op):
                        guard op.pass != .training else { continue }
                        let input = x
                        var output = input
                        let target = entry(op.category)
                        target.add(TrainingBenchmark.milliseconds { output = op.apply(input, .inference) },
                                   to: \.inference, repeatIndex: repeatIndex)
                        if repeatIndex == 0 && op.pass == .inference { target.count += 1 }
                        x = output
                    case .residual(let inner):
                        let output = infer(inner, x)
                        var sum = output
                        entry(addCategory).add(TrainingBenchmark.milliseconds { sum = add(output, x) },
                                               to: \.inference, repeatIndex: repeatIndex)
                        x = sum
                    }
                }
                return x
            }
            _ = infer(allSteps, Variable(images))

            // Training: conv and batch norm separately, everything trainable, batch statistics.
            let tape = Tape()
            var backwardJobs: [(String, Tensor, (Variable, Mode) -> Variable)] = []
            func train(_ steps: [Step], _ x: Variable) -> Variable {
                var x = x
                for step in steps {
                    switch step {
                    case .op(let op):
                        guard op.pass != .inference else { continue }
                        let input = x
                        var output = input
                        let target = entry(op.category)
                        target.add(TrainingBenchmark.milliseconds { output = op.apply(input, .training) },
                                   to: \.forward, repeatIndex: repeatIndex)
                        if repeatIndex == 0 { target.count += 1 }
                        backwardJobs.append((op.category, input.value, op.apply))
                        x = output
                    case .residual(let inner):
                        let output = train(inner, x)
                        var sum = output
                        let target = entry(addCategory)
                        target.add(TrainingBenchmark.milliseconds { sum = add(output, x) },
                                   to: \.forward, repeatIndex: repeatIndex)
                        if repeatIndex == 0 { target.count += 1 }
                        backwardJobs.append((addCategory, output.value, { y, _ in add(y, y) }))
                        x = sum
                    }
                }
                return x
            }
            let stemInput = tape.constant(images)
            _ = train(allSteps, stemInput)
            for (index, (category, input, apply)) in backwardJobs.enumerated() {
                let opTape = Tape()
                // The stem's input is the image: it needs no gradient (as in the real step).
                let x = index == 0 ? opTape.constant(input) : opTape.variable(input)
                let y = apply(x, .training)
                let seed = Tensor(shape: y.shape, repeating: 1)
                entry(category).add(TrainingBenchmark.milliseconds { _ = opTape.gradients(of: y, seed: seed) },
                                    to: \.backward, repeatIndex: repeatIndex)
            }
        }
        let rows = order.map { category -> OpProfile.Row in
            let times = entries[category]!
            return OpProfile.Row(category: category, count: times.count,
                                 inferenceMilliseconds: TrainingBenchmark.median(times.inference),
                                 forwardMilliseconds: TrainingBenchmark.median(times.forward),
                                 backwardMilliseconds: TrainingBenchmark.median(times.backward))
        }
        return OpProfile(rows: rows)
    }

    /// The times of one op type: per repeat, the sum over its ops.
    private final class ProfileEntry {
        var count = 0
        var inference: [Double] = []
        var forward: [Double] = []
        var backward: [Double] = []

        func add(_ value: Double, to times: ReferenceWritableKeyPath<ProfileEntry, [Double]>, repeatIndex: Int) {
            if self[keyPath: times].count == repeatIndex {
                self[keyPath: times].append(value)
            } else {
                self[keyPath: times][repeatIndex] += value
            }
        }
    }
}
