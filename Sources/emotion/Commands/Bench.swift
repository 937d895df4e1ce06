// `emotion bench`: training-step time, inference throughput, achieved GFLOP/s and peak RSS of a Task 1
// model on seeded random data (Benchmarks/compare_frameworks.py runs it next to Keras and PyTorch).

import Foundation
import EmotionTraining

struct BenchCommand: Command {
    static let name = "bench"
    static let abstract = "Measure training and inference speed and peak memory on random data."
    /// The models whose FLOPs the benchmark counts.
    static let models = ["task1-small", "task1-large"]
    static let options: [OptionSpec] = [
        .value("model", "name", help: "Architecture: task1-small (100x100 input) or task1-large (224x224).",
               default: "task1-small"),
        .value("steps", "n", help: "Timed training steps (and timed inference batches).", default: "10"),
        .value("warmup", "n", help: "Untimed training steps before the timed ones.", default: "2"),
        .value("batch-size", "n", help: "Images per step.", default: "32"),
        .value("threads", "n", help: "Threads the kernels use.",
               default: String(ProcessInfo.processInfo.activeProcessorCount)),
        .value("format", "text|json", help: "Output format; json prints one object on stdout.", default: "text"),
        .flag("per-layer", help: "Also time each layer's forward and backward pass, the loss and Adam (text only)."),
    ]
    static let discussion = """
        The model (6 classes) trains on one seeded random batch: forward, backward and an Adam update per step. \
        Reported: the median step time, inference images per second (forward in inference mode), the counted \
        training GFLOP/s (multiply-adds of the convolutions and dense layers, forward and backward, 2 FLOPs \
        each; the first layer computes no input gradient) and the process's peak resident memory. JSON keys: \
        model, batch_size, threads, train_step_ms_median, inference_images_per_s, train_gflops, peak_rss_mb.
        """

    let configuration: TrainingBenchmark.Configuration
    let format: OutputFormat

    init(_ arguments: ParsedArguments) throws(CLIError) {
        let model = arguments.string("model") ?? "task1-small"
        guard Self.models.contains(model) else {
            throw .usage("'--model' expects one of \(Self.models.joined(separator: ", ")), got '\(model)'")
        }
        format = try arguments.choice("format", default: OutputFormat.text)
        let profileLayers = arguments.flag("per-layer")
        if profileLayers && format == .json {
            throw .usage("'--per-layer' prints a text table and cannot be combined with '--format json'")
        }
        configuration = TrainingBenchmark.Configuration(
            model: model,
            batchSize: try arguments.int("batch-size", default: 32),
            steps: try arguments.int("steps", default: 10),
            warmup: try arguments.int("warmup", default: 2, in: 0...Int.max),
            threads: try arguments.int("threads", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...1024),
            profileLayers: profileLayers)
    }

    func run(_ console: Console) throws(CLIError) -> Int32 {
        let result = try asInputError { try TrainingBenchmark.run(configuration) }
        switch format {
        case .json: console.print(Self.json(result).rendered())
        case .text: console.write(Self.report(result))
        }
        return ExitCode.success
    }

    /// The object compare_frameworks.py reads.
    static func json(_ result: TrainingBenchmark.Result) -> JSON {
        .object([
            ("model", .string(result.configuration.model)),
            ("batch_size", .int(result.configuration.batchSize)),
            ("threads", .int(result.configuration.threads)),
            ("train_step_ms_median", .number(result.stepMillisecondsMedian)),
            ("inference_images_per_s", .number(result.inferenceImagesPerSecond)),
            ("train_gflops", .number(result.trainGFLOPs)),
            ("peak_rss_mb", .number(result.peakResidentMegabytes)),
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
            "Training (\(configuration.warmup) warm-up steps, then \(configuration.steps) timed):",
            "\(steps.count)/\(steps.count) \(bar) \(seconds)s \(Int(median.rounded()))ms/step",
            "  step time      median \(format(median)) ms (min \(format(steps.min() ?? 0)), max \(format(steps.max() ?? 0)))",
            "  work           \(gflopPerImage) GFLOP per image, \(gflopPerStep) GFLOP per step",
            "  throughput     \(format(result.trainGFLOPs)) GFLOP/s, \(imagesPerSecond) images/s",
            "Inference:       \(format(result.inferenceImagesPerSecond)) images/s (median \(inferenceMedian) ms per batch)",
            "Peak RSS:        \(format(result.peakResidentMegabytes, digits: 0)) MB",
        ]
        if let profile = result.profile {
            lines += ["", "Per layer (medians; each layer's backward timed alone):", layerTable(profile, result)]
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
        for layer in profile.layers {
            let flops = layer.flops
            table.append([
                "\(flops.name) (\(flops.kerasClassName))",
                "(" + flops.outputShape.map(String.init).joined(separator: ", ") + ")",
                format(layer.forwardMilliseconds), format(layer.backwardMilliseconds),
                rate(flops.forward, layer.forwardMilliseconds), rate(flops.backward, layer.backwardMilliseconds),
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
