// `emotion bench`: training-step time, inference throughput, achieved GFLOP/s and peak RSS of a Task 1
// model, the feature-extraction, head-step and fine-tune speeds of a pretrained-backbone model, or the
// GFLOP/s of the matrix multiply alone, on seeded random data (Benchmarks/compare_frameworks.py runs it next
// to Keras and PyTorch).

import Foundation
import EmotionBenchmarks
import EmotionKernels
import EmotionTraining

struct BenchCommand: Command {
    static let name = "bench"
    static let abstract = "Measure training and inference speed and peak memory on random data."
    /// The Task 1 models (`TrainingBenchmark`).
    static let task1Models = ["task1-small", "task1-large"]
    /// The pretrained-backbone models (`BackboneBenchmark`).
    static let backboneModels = ["efficientnet-lite0", "efficientnetv2-b3"]
    /// The matrix multiply alone (`SGEMMBenchmark`).
    static let sgemm = "sgemm"
    static let options: [OptionSpec] = [
        .value("model", "name", help: "Architecture: task1-small (100x100 input), task1-large (224x224), "
               + "efficientnet-lite0 or efficientnetv2-b3 (backbone + the Task 2 head); or sgemm (the matrix "
               + "multiply alone, 512, 1024 and 2048 cubed).", default: "task1-small"),
        .value("image-size", "n", help: "Input side of a backbone model (not for the Task 1 models).", default: "224"),
        .value("steps", "n", help: "Timed repetitions of each measurement (default: 10; 3 for a backbone; 5 for "
               + "sgemm, the best counts)."),
        .value("warmup", "n", help: "Untimed repetitions before the timed ones (default: 2; 1 for a backbone)."),
        .batchSize(help: "Images per step."),
        .value("threads", "n", help: "Threads the kernels use.",
               default: String(ProcessInfo.processInfo.activeProcessorCount)),
        .choice("variant", Kernels.Variant.self, help: "Kernel variant (vector width) to run; every variant runs "
                + "on every machine, the one this CPU selects is the fast one.", default: Kernels.detectedVariant),
        .choice("format", OutputFormat.self, help: "Output format; json prints one object on stdout.", default: .text),
        .flag("per-layer", help: "Also time each layer's forward and backward pass, the loss and Adam (text only); "
              + "for a backbone, each op type (depthwise conv, pointwise conv, batch norm, ...)."),
    ]
    static let discussion = """
        Every report names the CPU, the kernel variant that ran (vector width and register tiles) and the target \
        CPU the kernels were compiled for (JSON: cpu, kernel_variant, vector_width, build_target_cpu).

        A Task 1 model (6 classes) trains on one seeded random batch: forward, backward and an Adam update per step. \
        Reported: the median step time, inference images per second (forward in inference mode), the counted \
        training GFLOP/s (multiply-adds of the convolutions and dense layers, forward and backward, 2 FLOPs \
        each; the first layer computes no input gradient) and the process's peak resident memory. JSON keys: \
        model, batch_size, threads, train_step_ms_median, inference_images_per_s, train_gflops, peak_rss_mb, \
        allocations_after_warmup (memory blocks the steps after the warm-up had to allocate: 0 once warm).

        A backbone model (seeded random weights, no weights file; backbone + GlobalAveragePooling → \
        Dense(128, relu) → Dropout(0.5) → Dense(6, softmax)) reports three speeds on one random batch: feature \
        extraction (the frozen backbone in inference mode, no tape: what finetune computes once per image), \
        the head step on those cached features (forward + backward + Adam of the head: one batch of a \
        frozen-backbone epoch), and the full fine-tune step (everything trainable, batch norms on batch statistics, \
        forward + backward + Adam). JSON keys: model, batch_size, threads, image_size, feature_images_per_s, \
        head_step_ms_median, finetune_step_ms_median, train_step_ms_median (= the fine-tune step), \
        inference_images_per_s (= feature extraction), train_gflops (of the fine-tune step), peak_rss_mb.

        sgemm times C = A · B for n = 512, 1024 and 2048: the best of at least --steps runs that also add up to \
        at least 0.5 s per size (after a warm-up of at least 0.1 s). JSON keys: model, threads, the machine \
        keys, sgemm (a list of {size, best_ms, gflops, runs}).
        """

    /// The benchmark to run.
    enum Workload {
        case task1(TrainingBenchmark.Configuration)
        case backbone(BackboneBenchmark.Configuration)
        case sgemm(SGEMMBenchmark.Configuration)
    }

    let workload: Workload
    let format: OutputFormat

    init(_ arguments: ParsedArguments) throws(CLIError) {
        let model = arguments.text("model")
        let models = Self.task1Models + Self.backboneModels + [Self.sgemm]
        guard models.contains(model) else {
            throw .usage("'--model' expects one of \(models.joined(separator: ", ")), got '\(model)'")
        }
        format = try arguments.choice(defaulted: "format", as: OutputFormat.self)
        let profileLayers = arguments.flag("per-layer")
        if profileLayers && format == .json {
            throw .usage("'--per-layer' prints a text table and cannot be combined with '--format json'")
        }
        let batchSize = try arguments.int(defaulted: "batch-size")
        let threads = try arguments.int(defaulted: "threads", in: 1...1024)
        let variant = try arguments.choice(defaulted: "variant", as: Kernels.Variant.self)
        if model == Self.sgemm {
            for option in ["image-size", "batch-size", "per-layer"] where arguments.isGiven(option) {
                throw .usage("'--\(option)' does not apply to --model sgemm")
            }
            workload = .sgemm(SGEMMBenchmark.Configuration(
                steps: try arguments.int("steps") ?? 5, warmup: try arguments.int("warmup", in: 0...Int.max) ?? 1,
                threads: threads, variant: variant))
        } else if Self.backboneModels.contains(model) {
            workload = .backbone(BackboneBenchmark.Configuration(
                model: model, imageSize: try arguments.int(defaulted: "image-size", in: 32...4096),
                batchSize: batchSize, steps: try arguments.int("steps") ?? 3,
                warmup: try arguments.int("warmup", in: 0...Int.max) ?? 1, threads: threads,
                variant: variant, profileOps: profileLayers))
        } else {
            if arguments.isGiven("image-size") {
                throw .usage("'--image-size' applies to the backbone models only; \(model) has a fixed input size")
            }
            workload = .task1(TrainingBenchmark.Configuration(
                model: model, batchSize: batchSize, steps: try arguments.int("steps") ?? 10,
                warmup: try arguments.int("warmup", in: 0...Int.max) ?? 2, threads: threads,
                variant: variant, profileLayers: profileLayers))
        }
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        switch workload {
        case .task1(let configuration):
            let result = try asInputError { try TrainingBenchmark.run(configuration) }
            switch format {
            case .json: console.print(Self.json(result).rendered())
            case .text: console.write(Self.report(result))
            }
        case .backbone(let configuration):
            let result = try asInputError { try BackboneBenchmark.run(configuration) }
            switch format {
            case .json: console.print(Self.json(result).rendered())
            case .text: console.write(Self.report(result))
            }
        case .sgemm(let configuration):
            let result = SGEMMBenchmark.run(configuration)
            switch format {
            case .json: console.print(Self.json(result).rendered())
            case .text: console.write(Self.report(result))
            }
        }
        return ExitCode.success
    }

    static func json(_ result: SGEMMBenchmark.Result) -> JSON {
        .object([("model", .string(Self.sgemm)), ("threads", .int(result.configuration.threads))]
            + machineFields(result.variant) + [
                ("sgemm", .array(result.measurements.map { measurement in
                    .object([("size", .int(measurement.size)), ("best_ms", .number(measurement.bestMilliseconds)),
                             ("gflops", .number(measurement.gflops)), ("runs", .int(measurement.runs))])
                })),
            ])
    }

    static func report(_ result: SGEMMBenchmark.Result) -> String {
        let configuration = result.configuration
        let threads = configuration.threads == 1 ? "1 thread" : "\(configuration.threads) threads"
        var table = TextTable(headers: ["n (n x n x n)", "best ms", "GFLOP/s", "runs"])
        for measurement in result.measurements {
            table.append([String(measurement.size), format(measurement.bestMilliseconds, digits: 2),
                          format(measurement.gflops), String(measurement.runs)])
        }
        return ["Benchmark: sgemm C = A · B, \(threads), best of at least \(configuration.steps) runs and "
                    + "\(format(configuration.minimumSeconds, digits: 1)) s per size, after at least "
                    + "\(configuration.warmup) warm-up", machineLine(result.variant),
                table.rendered(indent: "  ").trimmingCharacters(in: .newlines)].joined(separator: "\n") + "\n"
    }

    /// Where a benchmark ran: the CPU, the kernel variant and the kernels' build target, as JSON fields.
    static func machineFields(_ variant: Kernels.Variant) -> [(String, JSON)] {
        [("cpu", .string(Kernels.cpuModelName)), ("kernel_variant", .string(variant.rawValue)),
         ("vector_width", .int(variant.vectorWidth)), ("build_target_cpu", .string(Kernels.buildTargetCPU))]
    }

    /// The same as a report line.
    static func machineLine(_ variant: Kernels.Variant) -> String {
        "Kernels:  \(variant.summary) on \(Kernels.cpuModelName), compiled for target CPU \(Kernels.buildTargetCPU)"
    }

    /// The backbone object: the Task 1 keys where they apply, plus the three backbone speeds.
    static func json(_ result: BackboneBenchmark.Result) -> JSON {
        let configuration = result.configuration
        return .object([
            ("model", .string(configuration.model)),
            ("batch_size", .int(configuration.batchSize)),
            ("threads", .int(configuration.threads)),
        ] + machineFields(result.variant) + [
            ("image_size", .int(configuration.imageSize)),
            ("feature_images_per_s", .number(result.featureImagesPerSecond)),
            ("head_step_ms_median", .number(result.headStepMillisecondsMedian)),
            ("finetune_step_ms_median", .number(result.finetuneStepMillisecondsMedian)),
            ("train_step_ms_median", .number(result.finetuneStepMillisecondsMedian)),
            ("inference_images_per_s", .number(result.featureImagesPerSecond)),
            ("train_gflops", .number(result.finetuneGFLOPs)),
            ("peak_rss_mb", .number(result.peakResidentMegabytes)),
        ])
    }

    /// The three backbone speeds, then the op-type table when profiled.
    static func report(_ result: BackboneBenchmark.Result) -> String {
        let configuration = result.configuration
        let threads = configuration.threads == 1 ? "1 thread" : "\(configuration.threads) threads"
        let size = configuration.imageSize
        func summary(_ times: [Double]) -> String {
            "median \(format(TrainingBenchmark.median(times))) ms (min \(format(times.min() ?? 0)), max \(format(times.max() ?? 0)))"
        }
        let finetuneMedian = result.finetuneStepMillisecondsMedian
        var lines: [String] = [
            "Benchmark: \(configuration.model) + head (\(configuration.classes) classes, \(result.parameterCount) "
                + "parameters), \(size)x\(size), batch \(configuration.batchSize), \(threads), random weights and data",
            "(\(configuration.warmup) warm-up, then \(configuration.steps) timed repetitions of each)",
            machineLine(result.variant),
            "Feature extraction:  \(format(result.featureImagesPerSecond)) images/s (frozen backbone, inference; "
                + summary(result.featureMilliseconds) + " per batch)",
            "Head step:           \(summary(result.headStepMilliseconds)) on cached features",
            "Fine-tune step:      \(summary(result.finetuneStepMilliseconds)), all trainable, BN on batch statistics",
            "  work               \(format(Double(result.trainFLOPsPerStep) / 1e9)) GFLOP per step, "
                + "\(format(result.finetuneGFLOPs)) GFLOP/s, "
                + "\(format(Double(configuration.batchSize) / finetuneMedian * 1000)) images/s",
            "Peak RSS:            \(format(result.peakResidentMegabytes, digits: 0)) MB",
        ]
        if let profile = result.profile {
            lines += ["", "By op type (medians per batch; each op's backward timed alone on its own tape):",
                      opTable(profile)]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func opTable(_ profile: BackboneBenchmark.OpProfile) -> String {
        var table = TextTable(headers: ["Op type", "ops", "inference ms", "train fwd ms", "train bwd ms"])
        for row in profile.rows {
            table.append([row.category, String(row.count), row.inferenceMilliseconds > 0 ? format(row.inferenceMilliseconds) : "",
                          row.forwardMilliseconds > 0 ? format(row.forwardMilliseconds) : "",
                          row.backwardMilliseconds > 0 ? format(row.backwardMilliseconds) : ""])
        }
        let totals = [\BackboneBenchmark.OpProfile.Row.inferenceMilliseconds, \.forwardMilliseconds, \.backwardMilliseconds]
            .map { path in profile.rows.reduce(0) { $0 + $1[keyPath: path] } }
        table.append(["total", "", format(totals[0]), format(totals[1]), format(totals[2])])
        return table.rendered(indent: "  ").trimmingCharacters(in: .newlines)
    }

    /// The object compare_frameworks.py reads.
    static func json(_ result: TrainingBenchmark.Result) -> JSON {
        .object([
            ("model", .string(result.configuration.model)),
            ("batch_size", .int(result.configuration.batchSize)),
            ("threads", .int(result.configuration.threads)),
        ] + machineFields(result.variant) + [
            ("train_step_ms_median", .number(result.stepMillisecondsMedian)),
            ("inference_images_per_s", .number(result.inferenceImagesPerSecond)),
            ("train_gflops", .number(result.trainGFLOPs)),
            ("peak_rss_mb", .number(result.peakResidentMegabytes)),
            ("allocations_after_warmup", .int(result.allocationsDuringTimedSteps)),
        ])
    }

    /// A short Keras-like report, then the per-layer table when profiled.
    static func report(_ result: TrainingBenchmark.Result) -> String {
        let configuration = result.configuration
        let steps = result.stepMilliseconds
        let median = result.stepMillisecondsMedian
        let seconds = Int((steps.reduce(0, +) / 1000).rounded())
        let threads = configuration.threads == 1 ? "1 thread" : "\(configuration.threads) threads"
        let bar = String(repeating: "━", count: 20)
        let gflopPerImage = format(Double(result.trainFLOPsPerExample) / 1e9, digits: 3)
        let gflopPerStep = format(Double(result.trainFLOPsPerStep) / 1e9)
        let imagesPerSecond = format(Double(configuration.batchSize) / median * 1000)
        let inferenceMedian = format(result.inferenceMillisecondsMedian)
        var lines: [String] = [
            "Benchmark: \(configuration.model) (\(configuration.classes) classes, \(result.parameterCount) "
                + "parameters), batch \(configuration.batchSize), \(threads), random data",
            machineLine(result.variant),
            "Training (\(configuration.warmup) warm-up steps, then \(configuration.steps) timed):",
            "\(steps.count)/\(steps.count) \(bar) \(seconds)s \(Int(median.rounded()))ms/step",
            "  step time      median \(format(median)) ms (min \(format(steps.min() ?? 0)), max \(format(steps.max() ?? 0)))",
            "  work           \(gflopPerImage) GFLOP per image, \(gflopPerStep) GFLOP per step",
            "  throughput     \(format(result.trainGFLOPs)) GFLOP/s, \(imagesPerSecond) images/s",
            "Inference:       \(format(result.inferenceImagesPerSecond)) images/s (median \(inferenceMedian) ms per batch)",
            "Peak RSS:        \(format(result.peakResidentMegabytes, digits: 0)) MB (tensors at most "
                + "\(format(result.peakPoolMegabytes, digits: 0)) MB at once; \(result.allocationsDuringTimedSteps) "
                + "new blocks during the timed steps)",
        ]
        if let profile = result.profile {
            lines += ["", "Per layer (medians; each layer's backward timed alone; a convolution and the max pooling "
                      + "it runs in one pass count as one):", layerTable(profile, result)]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func layerTable(_ profile: TrainingBenchmark.Profile, _ result: TrainingBenchmark.Result) -> String {
        let batch = Double(result.configuration.batchSize)
        func rate(_ flops: Int, _ milliseconds: Double) -> String {
            flops == 0 || milliseconds <= 0 ? "" : format(Double(flops) * batch / (milliseconds / 1000) / 1e9)
        }
        var table = TextTable(headers: ["Layer (type)", "Output shape", "fwd ms", "bwd ms", "fwd GFLOP/s",
                                        "bwd GFLOP/s"])
        for stage in profile.stages {
            table.append([
                stage.layers.map { "\($0.name) (\($0.kerasClassName))" }.joined(separator: " + "),
                "(" + (stage.layers.last?.outputShape ?? []).map(String.init).joined(separator: ", ") + ")",
                format(stage.forwardMilliseconds), format(stage.backwardMilliseconds),
                rate(stage.forwardFLOPs, stage.forwardMilliseconds), rate(stage.backwardFLOPs, stage.backwardMilliseconds),
            ])
        }
        let parts = [profile.forwardMilliseconds, profile.lossMilliseconds, profile.backwardMilliseconds,
                     profile.optimizerMilliseconds]
        return table.rendered(indent: "  ")
            + "  step parts: forward \(format(parts[0])) + loss \(format(parts[1])) + backward \(format(parts[2])) "
            + "+ Adam \(format(parts[3])) = \(format(parts.reduce(0, +))) ms "
            + "(timed step median \(format(result.stepMillisecondsMedian)) ms)"
    }

    private static func format(_ value: Double, digits: Int = 1) -> String {
        String(format: "%.\(digits)f", value)
    }
}
