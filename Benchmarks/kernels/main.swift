// Kernel micro-benchmark (run via bench.sh): GFLOP/s of sgemm and the convolutions at the Task 1 shapes,
// at 1 thread and at all threads, on the kernel variant this CPU selects or the one named by
// $EMOTION_KERNEL_VARIANT (avx512, avx2, neon). Compiled into the EmotionKernels module, so internals are
// visible.

import Foundation

/// Process CPU seconds (all threads), to see through a machine shared with other work.
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Best wall-clock seconds of `repeats` runs after a warm-up; `cpu` gets the CPU seconds of that run.
func seconds(repeats: Int, cpu: inout Double, _ body: () -> Void) -> Double {
    body()  // warm-up
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = cpuSeconds()
        body()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if wall < best {
            best = wall
            cpu = cpuSeconds() - cpuStart
        }
    }
    return best
}

func seconds(repeats: Int, _ body: () -> Void) -> Double {
    var cpu = 0.0
    return seconds(repeats: repeats, cpu: &cpu, body)
}

func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    for i in 0..<count { p[i] = Float(i % 7) * 0.1 - 0.3 }
    return p
}

let threadChoices = [1, ProcessInfo.processInfo.activeProcessorCount]
let mode = CommandLine.arguments.dropFirst().first ?? "all"
let variant = ProcessInfo.processInfo.environment["EMOTION_KERNEL_VARIANT"].flatMap(Kernels.Variant.init(rawValue:))
    ?? Kernels.detectedVariant
print("CPU: \(Kernels.cpuModelName); kernels: \(variant.summary); build target CPU: \(Kernels.buildTargetCPU)")

Kernels.withVariant(variant) {

if mode == "gemm" || mode == "all" {
    // (name, transA, transB, m, n, k)
    let cases: [(String, Bool, Bool, Int, Int, Int)] = [
        ("512^3 NN", false, false, 512, 512, 512),
        ("1024^3 NN", false, false, 1024, 1024, 1024),
        ("1024^3 TN", true, false, 1024, 1024, 1024),
        ("1024^3 NT", false, true, 1024, 1024, 1024),
        ("1000^3 NN", false, false, 1000, 1000, 1000),
        ("2048^3 NN", false, false, 2048, 2048, 2048),
        ("conv2 fwd 100px (M=32*48*48/8,N=64,K=288)", false, false, 9216, 64, 288),
        ("dense1 fwd small (32x128, K=33856)", false, false, 32, 128, 33856),
        ("dense1 dW small (TN 33856x128, K=32)", true, false, 33856, 128, 32),
        ("dense1 dX small (NT 32x33856, K=128)", false, true, 32, 33856, 128),
        ("dense1 dW large (TN 179776x128, K=32)", true, false, 179776, 128, 32),
    ]
    for (name, transA, transB, m, n, k) in cases {
        let a = buffer(m * k), b = buffer(k * n), c = buffer(m * n)
        var line = name.padding(toLength: 44, withPad: " ", startingAt: 0)
        for threads in threadChoices {
            let flops = 2.0 * Double(m) * Double(n) * Double(k)
            let repeats = max(2, min(20, Int(2e10 / flops)))
            var cpu = 0.0
            let t = Kernels.withThreadCount(threads) {
                seconds(repeats: repeats, cpu: &cpu) {
                    Kernels.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                                  a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, beta: 0, c: c, ldc: n)
                }
            }
            line += String(format: "  %dT %6.1f GF/s %6.2f ms (%5.1f GF/cpu-s)", threads, flops / t / 1e9, t * 1e3,
                           flops / cpu / 1e9)
        }
        print(line)
    }
}

if mode == "conv" || mode == "all" {
    let cases: [(String, Conv2DShape)] = [
        ("conv1 small 100x100x3->32", Conv2DShape(batch: 32, height: 100, width: 100, inChannels: 3, outChannels: 32, kernelHeight: 3, kernelWidth: 3)),
        ("conv2 small 49x49x32->64", Conv2DShape(batch: 32, height: 49, width: 49, inChannels: 32, outChannels: 64, kernelHeight: 3, kernelWidth: 3)),
        ("conv1 large 224x224x3->32", Conv2DShape(batch: 32, height: 224, width: 224, inChannels: 3, outChannels: 32, kernelHeight: 3, kernelWidth: 3)),
        ("conv2 large 111x111x32->64", Conv2DShape(batch: 32, height: 111, width: 111, inChannels: 32, outChannels: 64, kernelHeight: 3, kernelWidth: 3)),
    ]
    for (name, s) in cases {
        let input = buffer(s.inputCount), kernel = buffer(s.kernelCount), bias = buffer(s.outChannels)
        let output = buffer(s.outputCount), inputGradient = buffer(s.inputCount)
        let kernelGradient = buffer(s.kernelCount), biasGradient = buffer(s.outChannels)
        let workspace = buffer(s.workspaceCount)
        let flops = 2.0 * Double(s.batch * s.outHeight * s.outWidth) * Double(s.kernelCount)
        for threads in threadChoices {
            var line = name.padding(toLength: 28, withPad: " ", startingAt: 0) + " \(threads)T"
            func measure(_ label: String, _ body: () -> Void) {
                var cpu = 0.0
                let t = Kernels.withThreadCount(threads) { seconds(repeats: 3, cpu: &cpu, body) }
                line += String(format: " | %@ %6.1f ms %5.1f GF/s (%5.1f/cpu-s)", label, t * 1e3, flops / t / 1e9, flops / cpu / 1e9)
            }
            measure("fwd") {
                Kernels.conv2dForward(s, input: input, kernel: kernel, bias: bias, activation: .relu, output: output, workspace: workspace)
            }
            measure("bwdIn") {
                Kernels.conv2dBackwardInput(s, outputGradient: output, kernel: kernel, inputGradient: inputGradient, workspace: workspace)
            }
            measure("bwdW") {
                Kernels.conv2dBackwardWeight(s, input: input, outputGradient: output, kernelGradient: kernelGradient, biasGradient: biasGradient, workspace: workspace)
            }
            print(line)
        }
    }
}

// `cpu <fwd|bwdIn|bwdW> <conv1|conv2>` or `cpu dense <threads>`: one thread, best GFLOP per CPU-second of 7 runs (robust-ish on a busy machine).
if mode == "cpu" {
    let arguments = Array(CommandLine.arguments.dropFirst(2))
    if arguments.first == "dense" {
        // dense1 forward, weight gradient, input gradient of task1-small: X[32×33856], W[33856×128], dY[32×128].
        let (batch, features, units) = (32, 33856, 128)
        let x = buffer(batch * features), w = buffer(features * units), dy = buffer(batch * units)
        let y = buffer(batch * units), dw = buffer(features * units), dx = buffer(batch * features)
        let threads = Int(arguments.count > 1 ? arguments[1] : "1") ?? 1
        let flops = 2.0 * Double(batch * features * units)
        for (label, body) in [
            ("fwd", { Kernels.sgemm(transA: false, transB: false, m: batch, n: units, k: features, alpha: 1, a: x, lda: features, b: w, ldb: units, beta: 0, c: y, ldc: units) }),
            ("dW", { Kernels.sgemm(transA: true, transB: false, m: features, n: units, k: batch, alpha: 1, a: x, lda: features, b: dy, ldb: units, beta: 0, c: dw, ldc: units) }),
            ("dX", { Kernels.sgemm(transA: false, transB: true, m: batch, n: features, k: units, alpha: 1, a: dy, lda: units, b: w, ldb: units, beta: 0, c: dx, ldc: features) }),
        ] as [(String, () -> Void)] {
            var bestWall = Double.infinity, bestCPU = Double.infinity
            for _ in 0..<20 {
                let start = cpuSeconds(), wallStart = DispatchTime.now().uptimeNanoseconds
                Kernels.withThreadCount(threads, body)
                bestCPU = min(bestCPU, cpuSeconds() - start)
                bestWall = min(bestWall, Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9)
            }
            print(String(format: "dense %@ %dT: %.2f ms wall %.1f GF/s, %.1f GF/cpu-s", label, threads, bestWall * 1e3, flops / bestWall / 1e9, flops / bestCPU / 1e9))
        }
        exit(0)
    }
    let s = arguments.count > 1 && arguments[1] == "conv1"
        ? Conv2DShape(batch: 32, height: 100, width: 100, inChannels: 3, outChannels: 32, kernelHeight: 3, kernelWidth: 3)
        : Conv2DShape(batch: 32, height: 49, width: 49, inChannels: 32, outChannels: 64, kernelHeight: 3, kernelWidth: 3)
    let input = buffer(s.inputCount), kernel = buffer(s.kernelCount), output = buffer(s.outputCount)
    let inputGradient = buffer(s.inputCount), kernelGradient = buffer(s.kernelCount), bias = buffer(s.outChannels)
    let workspace = buffer(s.workspaceCount)
    let flops = 2.0 * Double(s.batch * s.outHeight * s.outWidth) * Double(s.kernelCount)
    var best = 0.0
    Kernels.withThreadCount(1) {
    for _ in 0..<7 {
        let start = cpuSeconds()
        defer { best = max(best, flops / (cpuSeconds() - start) / 1e9) }
        switch arguments.first ?? "fwd" {
        case "bwdIn": Kernels.conv2dBackwardInput(s, outputGradient: output, kernel: kernel, inputGradient: inputGradient, workspace: workspace)
        case "bwdW": Kernels.conv2dBackwardWeight(s, input: input, outputGradient: output, kernelGradient: kernelGradient, biasGradient: bias, workspace: workspace)
        default: Kernels.conv2dForward(s, input: input, kernel: kernel, bias: bias, activation: .relu, output: output, workspace: workspace)
        }
    }
    }
    print(String(format: "%@ %@ best %.1f GF/cpu-s", arguments.first ?? "fwd", arguments.count > 1 ? arguments[1] : "conv2", best))
}
}
