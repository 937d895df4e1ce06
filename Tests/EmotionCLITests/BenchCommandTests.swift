// Tests of `emotion bench`: the JSON object compare_frameworks.py reads (keys, echoed settings, GFLOP/s
// consistent with the FLOP count) for a Task 1 model and a backbone model, usage errors (exit 2), and the
// per-layer FLOP count of the Task 1 models against hand-computed values (the same as train_flops_per_image
// in Benchmarks/compare_frameworks.py) and of EfficientNet-Lite0 against its published multiply-adds.
// No speed is asserted: timings are measured by the benchmark, never by tests.

import Foundation
import Testing
import EmotionTraining

@Suite struct BenchCommandTests {
    @Test func jsonHasTheKeysTheComparisonScriptReads() throws {
        let result = try Emotion.run(["bench", "--model", "task1-small", "--steps", "2", "--batch-size", "2",
                                      "--warmup", "2", "--threads", "1", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["model", "batch_size", "threads", "cpu", "kernel_variant", "vector_width",
                                     "build_target_cpu", "train_step_ms_median", "inference_images_per_s",
                                     "train_gflops", "peak_rss_mb", "allocations_after_warmup"])
        #expect(object["allocations_after_warmup"] as? Int == 0, "steps after the warm-up reuse pooled memory")
        #expect(object["model"] as? String == "task1-small")
        #expect(object["batch_size"] as? Int == 2)
        #expect(object["threads"] as? Int == 1)
        let stepMilliseconds = try #require(object["train_step_ms_median"] as? Double)
        let gflops = try #require(object["train_gflops"] as? Double)
        #expect(stepMilliseconds > 0 && (object["inference_images_per_s"] as? Double ?? 0) > 0)
        // GFLOP/s times the step time gives back the counted work: 2 images of 303,495,168 FLOPs.
        let countedFLOPs = gflops * 1e9 * stepMilliseconds / 1000
        #expect(abs(countedFLOPs - 2 * 303_495_168) < 1)
        // The weights, their gradients and Adam's two moments alone are 4 × 4.35M floats = 70 MB.
        #expect(try #require(object["peak_rss_mb"] as? Double) > 66)
    }

    @Test func backboneJSONHasTheBackboneKeys() throws {
        let result = try Emotion.run(["bench", "--model", "efficientnet-lite0", "--image-size", "64", "--steps", "1",
                                      "--batch-size", "2", "--warmup", "0", "--threads", "1", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["model", "batch_size", "threads", "cpu", "kernel_variant", "vector_width",
                                     "build_target_cpu", "image_size", "feature_images_per_s",
                                     "head_step_ms_median", "finetune_step_ms_median", "train_step_ms_median",
                                     "inference_images_per_s", "train_gflops", "peak_rss_mb"])
        #expect(object["model"] as? String == "efficientnet-lite0")
        #expect(object["image_size"] as? Int == 64)
        #expect(object["batch_size"] as? Int == 2)
        for key in ["feature_images_per_s", "head_step_ms_median", "finetune_step_ms_median", "train_gflops"] {
            #expect((object[key] as? Double ?? 0) > 0, "\(key)")
        }
        #expect(object["train_step_ms_median"] as? Double == object["finetune_step_ms_median"] as? Double)
        #expect(object["inference_images_per_s"] as? Double == object["feature_images_per_s"] as? Double)
    }

    /// `--variant` runs any kernel variant on any machine and the report says which one ran.
    @Test func variantIsChosenAndReported() throws {
        let result = try Emotion.run(["bench", "--model", "task1-small", "--steps", "1", "--batch-size", "1",
                                      "--warmup", "0", "--threads", "1", "--variant", "avx512", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["kernel_variant"] as? String == "avx512")
        #expect(object["vector_width"] as? Int == 16)
        #expect(["native", "haswell", "skylake-avx512", "none"].contains(object["build_target_cpu"] as? String ?? ""))
        #expect((object["cpu"] as? String)?.isEmpty == false)

        let text = try Emotion.run(["bench", "--model", "task1-small", "--steps", "1", "--batch-size", "1",
                                    "--warmup", "0", "--threads", "1", "--variant", "avx2"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Kernels:  avx2 (8-wide vectors, 6x16 tiles) on "))
        #expect(text.stdout.contains(", compiled for target CPU "))

        let bad = try Emotion.run(["bench", "--variant", "sse2"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("Error: '--variant' expects one of avx512, avx2, neon, got 'sse2'"))
    }

    @Test func sgemmReportsEachSize() throws {
        let result = try Emotion.run(["bench", "--model", "sgemm", "--steps", "1", "--warmup", "0", "--threads", "1",
                                      "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["model"] as? String == "sgemm")
        let rows = try #require(object["sgemm"] as? [[String: Any]])
        #expect(rows.compactMap { $0["size"] as? Int } == [512, 1024, 2048])
        for row in rows {
            // GFLOP/s and the best time describe the same 2·n³ FLOPs.
            let (n, milliseconds, gflops) = (Double(row["size"] as! Int), row["best_ms"] as! Double, row["gflops"] as! Double)
            #expect(abs(gflops * milliseconds / 1000 * 1e9 - 2 * n * n * n) < 1e-6 * n * n * n)
            // Runs continue past --steps until they add up to half a second: a 512³ product takes milliseconds.
            let runs = try #require(row["runs"] as? Int)
            #expect(runs >= 1 && (n > 512 || runs > 1), "\(runs) runs of \(Int(n))³")
        }
        let misuse = try Emotion.run(["bench", "--model", "sgemm", "--batch-size", "8"])
        #expect(misuse.status == 2 && misuse.stderr.contains("'--batch-size' does not apply to --model sgemm"))
    }

    @Test func backboneTextReportWithOpTable() throws {
        let result = try Emotion.run(["bench", "--model", "efficientnet-lite0", "--image-size", "32", "--steps", "1",
                                      "--batch-size", "1", "--warmup", "0", "--threads", "1", "--per-layer"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Benchmark: efficientnet-lite0 + head (6 classes, ") == true)
        #expect(lines.first?.hasSuffix("32x32, batch 1, 1 thread, random weights and data") == true)
        #expect(lines.contains { $0.hasPrefix("Feature extraction:  ") && $0.contains(" images/s ") })
        #expect(lines.contains { $0.hasPrefix("Fine-tune step:      median ") })
        // Lite0 has 16 blocks: 16 depthwise convs (7 of 3x3, 9 of 5x5), 1 + 31 + 1 pointwise/1x1 convs, 9 skips.
        #expect(lines.contains { $0.hasPrefix("  depthwise conv 3x3 ") && $0.split(separator: " ", omittingEmptySubsequences: true)[3] == "7" })
        #expect(lines.contains { $0.hasPrefix("  depthwise conv 5x5 ") && $0.split(separator: " ", omittingEmptySubsequences: true)[3] == "9" })
        #expect(lines.contains { $0.hasPrefix("  residual add ") && $0.split(separator: " ", omittingEmptySubsequences: true)[2] == "9" })
        #expect(lines.last?.hasPrefix("  total ") == true)
    }

    /// Lite0's convolutions do 383,907,552 multiply-adds per 224x224 image: the sum of out.numel() ·
    /// in/groups · kh · kw over timm `tf_efficientnet_lite0`'s Conv2d modules (forward hooks, torch 2.15,
    /// timm; computed once). A full fine-tune example costs three forwards except the stem's input gradient.
    @Test func flopCountOfLite0FineTune() throws {
        let net = try ModelZoo.makeBackboneClassifier(name: "efficientnet-lite0", classes: 6, seed: 0)
        net.unfreezeBackbone(topUnits: nil)
        let counts = try net.model.trainingFLOPsPerExample()
        let backbone = try #require(counts.first)
        let forwardMACs = backbone.forward / 2
        #expect(forwardMACs == 383_907_552)
        let stemForward = 112 * 112 * 32 * 27 * 2
        #expect(backbone.backward == 2 * backbone.forward - stemForward)
        #expect(counts.map(\.name).count == 5)
    }

    @Test(arguments: [
        (["bench", "--model", "resnet50"],
         "Error: '--model' expects one of task1-small, task1-large, efficientnet-lite0, efficientnetv2-b3, sgemm, got 'resnet50'"),
        (["bench", "--model", "task1-small", "--image-size", "64"],
         "Error: '--image-size' applies to the backbone models only; task1-small has a fixed input size"),
        (["bench", "--steps", "0"], "Error: '--steps' expects an integer of at least 1, got '0'"),
        (["bench", "--warmup", "-1"], "Error: '--warmup' expects an integer of at least 0, got '-1'"),
        (["bench", "--threads", "two"], "Error: '--threads' expects an integer from 1 to 1024, got 'two'"),
        (["bench", "--format", "csv"], "Error: '--format' expects one of text, json, got 'csv'"),
        (["bench", "--per-layer", "--format", "json"],
         "Error: '--per-layer' prints a text table and cannot be combined with '--format json'"),
        (["bench", "--fast"], "Error: unknown option '--fast'"),
    ])
    func badFlagsExitTwoWithTheUsage(arguments: [String], message: String) throws {
        let result = try Emotion.run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix(message + "\n"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("USAGE: emotion bench "))
    }

    @Test func textReportWithPerLayerTable() throws {
        let result = try Emotion.run(["bench", "--steps", "1", "--warmup", "0", "--batch-size", "1", "--threads", "1",
                                      "--per-layer"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Benchmark: task1-small (6 classes, 4353862 parameters), batch 1, 1 thread, random data")
        #expect(lines.contains("  work           0.303 GFLOP per image, 0.3 GFLOP per step"))
        // A convolution and the max pooling it runs in one pass are one row.
        #expect(lines.contains { $0.hasPrefix("  conv2d_1 (Conv2D) + max_pooling2d_1 (MaxPooling2D)  (23, 23, 64) ") })
        #expect(lines.contains { $0.hasPrefix("  dropout_1 (Dropout) ") })
        #expect(lines.last?.hasPrefix("  step parts: forward ") == true)
    }

    /// Per image: conv 2·OH·OW·O·KH·KW·C, dense 2·in·out; backward = weight gradient + input gradient,
    /// except the first conv, whose input is the image (no input gradient).
    @Test func flopCountOfTask1Large() throws {
        let model = try ModelZoo.make(name: "task1-large", classes: 6, seed: 0)
        let counts = try model.trainingFLOPsPerExample()
        let byName = Dictionary(uniqueKeysWithValues: counts.map { ($0.name, $0) })
        #expect(byName["conv2d"]?.forward == 222 * 222 * 32 * 27 * 2)
        #expect(byName["conv2d"]?.backward == 222 * 222 * 32 * 27 * 2)
        #expect(byName["conv2d_1"]?.forward == 109 * 109 * 64 * 288 * 2)
        #expect(byName["conv2d_1"]?.backward == 2 * 109 * 109 * 64 * 288 * 2)
        #expect(byName["dense"]?.forward == 54 * 54 * 64 * 128 * 2)
        #expect(byName["dense_1"]?.backward == 2 * 128 * 6 * 2)
        #expect(byName["max_pooling2d"]?.total == 0 && byName["dropout_2"]?.total == 0)
        #expect(counts.reduce(0) { $0 + $1.total } == 1_627_600_896)
        let small = try ModelZoo.make(name: "task1-small", classes: 6, seed: 0).trainingFLOPsPerExample()
        #expect(small.reduce(0) { $0 + $1.total } == 303_495_168)
    }
}
