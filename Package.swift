// swift-tools-version:6.0
// `emotion`: facial-emotion CNNs in pure Swift (Foundation only, no package dependencies).
import PackageDescription
import Foundation

// Hot code (kernels, codecs) is always compiled optimised, whole-module and for a CPU with vector FMA, even in
// debug builds, so that `swift test` runs real training steps in seconds. Without a target CPU that has FMA,
// Swift lowers SIMD `addProduct` to a scalar libm call per lane (about 100x slower). Without whole-module
// optimisation (release builds have it, debug builds compile file by file) a generic SIMD helper defined in
// another file of the module is called unspecialised, through the runtime's generic metadata (measured 35x
// slower on a task1-small step; the kernels' micro-kernels are generic over their vector width). One object
// per file (`-num-threads`) keeps SwiftPM's build plan; the driver then warns that it ignores batch mode.
//   EMOTION_TARGET_CPU=native          (default) the build machine's CPU: fastest, not portable. The
//                                      kernels pick their tile width at run time from the CPU's features
//                                      (AVX-512: 16-float vectors; AVX2: 8; arm64 NEON: 4).
//   EMOTION_TARGET_CPU=haswell         any x86-64 with AVX2 + FMA (Intel Haswell 2013+, AMD Zen): portable
//                                      binary, 8-wide kernels even on AVX-512 machines (this toolchain's
//                                      clang does not know the name x86-64-v3)
//   EMOTION_TARGET_CPU=skylake-avx512  any x86-64 with AVX-512 (Intel Skylake-SP 2017+, AMD Zen 4+): a
//                                      binary for those machines only, 16-wide kernels
//   EMOTION_TARGET_CPU=none            the compiler's default target (slow SIMD, runs anywhere)
// The kernels report the choice (`Kernels.buildTargetCPU`, from the define below; see Variant.swift).
let targetCPU = ProcessInfo.processInfo.environment["EMOTION_TARGET_CPU"] ?? "native"
#if arch(x86_64)
let supportedTargetCPUs = ["native", "haswell", "skylake-avx512", "none"]
#else
let supportedTargetCPUs = ["native", "none"]
#endif
guard supportedTargetCPUs.contains(targetCPU) else {
    fatalError("EMOTION_TARGET_CPU=\(targetCPU) is not one of \(supportedTargetCPUs.joined(separator: ", "))")
}

var hotCodeFlags: [String] = ["-Ounchecked", "-wmo", "-num-threads", "2"]
#if arch(x86_64) || arch(arm64)
if targetCPU != "none" {
    hotCodeFlags += ["-target-cpu", targetCPU]
}
#endif
let hotCode: [SwiftSetting] = [.unsafeFlags(hotCodeFlags)]
let targetCPUDefine = "EMOTION_TARGET_CPU_" + targetCPU.uppercased().replacingOccurrences(of: "-", with: "_")
let kernelCode: [SwiftSetting] = hotCode + [.define(targetCPUDefine)]
let optimised: [SwiftSetting] = [.unsafeFlags(["-O", "-wmo", "-num-threads", "2"])]

// Every target declares each module it sees, including those another module re-exports (`@_exported import`:
// EmotionTraining re-exports EmotionNN and EmotionData, EmotionNN EmotionTensor, EmotionTensor a type of
// EmotionKernels). SwiftPM rebuilds a target when a declared dependency changes, not when a module it sees
// only through another does: a release build once kept `emotion` compiled against an old layout of an
// EmotionData struct, and the binary crashed.
/// What importing EmotionTraining brings in.
let trainingReexports: [Target.Dependency] = ["EmotionNN", "EmotionData", "EmotionTensor", "EmotionKernels"]

let package = Package(
    name: "emotion",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "emotion", targets: ["emotion"]),
    ],
    targets: [
        // The core: kernels → tensors and autograd → layers, optimizers and serialization.
        .target(name: "EmotionKernels", swiftSettings: kernelCode),
        .target(name: "EmotionTensor", dependencies: ["EmotionKernels"], swiftSettings: optimised),
        .target(name: "EmotionNN", dependencies: ["EmotionTensor", "EmotionKernels"], swiftSettings: optimised),
        // Images: decoders and the PNG encoder (no I/O), then data sets, preprocessing and batches.
        .target(name: "ImageCodecs", swiftSettings: hotCode),
        .target(name: "EmotionData", dependencies: ["EmotionTensor", "EmotionKernels", "ImageCodecs"],
                swiftSettings: optimised),
        // Models, the training run, fine-tuning, evaluation, prediction and the model folder.
        .target(name: "EmotionTraining", dependencies: trainingReexports + ["ImageCodecs"], swiftSettings: optimised),
        // Further concerns, each on its own: charts and reports, benchmarks, the procedural demo faces, export.
        .target(name: "EmotionReports", dependencies: ["EmotionTraining"] + trainingReexports + ["ImageCodecs"],
                swiftSettings: optimised),
        .target(name: "EmotionBenchmarks", dependencies: ["EmotionTraining"] + trainingReexports,
                swiftSettings: optimised),
        .target(name: "EmotionSynth", dependencies: ["ImageCodecs"], swiftSettings: optimised),
        // ONNX export: a protobuf encoder/reader of our own and the ONNX graph written from a saved model.
        .target(name: "EmotionExport", dependencies: ["EmotionTraining"] + trainingReexports, swiftSettings: optimised),
        // BlazeFace (MediaPipe's short-range face detector), crops and annotation. Its weights are compiled
        // into the binary (`embedInCode`), so a copied `emotion` finds faces with no file beside it.
        .target(name: "FaceDetection", dependencies: ["EmotionNN", "EmotionTensor", "EmotionKernels", "ImageCodecs"],
                exclude: ["Weights/convert_face_detection_short_range.py", "Weights/README.md",
                          "Weights/LICENSE-MediaPipe.txt"],
                resources: [.embedInCode("Weights/face_detection_short_range.safetensors")],
                swiftSettings: optimised),
        .executableTarget(
            name: "emotion",
            dependencies: ["EmotionTraining"] + trainingReexports
                + ["ImageCodecs", "EmotionReports", "EmotionBenchmarks", "EmotionSynth", "FaceDetection",
                   "EmotionExport"]),

        // Helpers the tests share (random data, tolerances, gradient checks, temporary folders, paths);
        // never part of the shipped tool.
        .target(name: "EmotionTestSupport", dependencies: ["EmotionNN", "EmotionTensor", "EmotionKernels"],
                path: "Tests/EmotionTestSupport"),
        .testTarget(name: "EmotionKernelsTests", dependencies: ["EmotionKernels", "EmotionTestSupport"]),
        .testTarget(name: "EmotionTensorTests",
                    dependencies: ["EmotionTensor", "EmotionKernels", "EmotionTestSupport"]),
        .testTarget(name: "EmotionNNTests",
                    dependencies: ["EmotionNN", "EmotionTensor", "EmotionKernels", "EmotionTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ImageCodecsTests", dependencies: ["ImageCodecs"], exclude: ["Fixtures"]),
        .testTarget(name: "EmotionDataTests",
                    dependencies: ["EmotionData", "EmotionTensor", "EmotionKernels", "ImageCodecs",
                                   "EmotionTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "EmotionTrainingTests",
                    dependencies: ["EmotionTraining"] + trainingReexports + ["ImageCodecs", "EmotionTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "EmotionReportsTests",
                    dependencies: ["EmotionReports", "EmotionTraining"] + trainingReexports
                        + ["ImageCodecs", "EmotionTestSupport"]),
        .testTarget(name: "EmotionExportTests",
                    dependencies: ["EmotionExport", "EmotionTraining"] + trainingReexports + ["EmotionTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "EmotionSynthTests",
                    dependencies: ["EmotionSynth", "EmotionData", "EmotionTensor", "EmotionKernels", "ImageCodecs",
                                   "EmotionTestSupport"]),
        .testTarget(name: "FaceDetectionTests",
                    dependencies: ["FaceDetection", "EmotionNN", "EmotionTensor", "EmotionKernels", "ImageCodecs",
                                   "EmotionTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "EmotionCLITests",
                    dependencies: ["emotion", "EmotionTraining"] + trainingReexports
                        + ["EmotionExport", "ImageCodecs", "EmotionTestSupport"]),
    ]
)
