// swift-tools-version:6.0
// `emotion`: facial-emotion CNNs in pure Swift (Foundation only, no package dependencies).
import PackageDescription
import Foundation

// Hot code (kernels, codecs) is always compiled optimised and for a CPU with vector FMA, even in debug
// builds, so that `swift test` runs real training steps in seconds. Without a target CPU that has FMA,
// Swift lowers SIMD `addProduct` to a scalar libm call per lane (about 100x slower).
//   EMOTION_TARGET_CPU=native   (default) the build machine's CPU: fastest, not portable
//   EMOTION_TARGET_CPU=haswell  any x86-64 with AVX2 + FMA (Intel Haswell 2013+, AMD Zen): portable binary
//                               (this toolchain's clang does not know the name x86-64-v3)
//   EMOTION_TARGET_CPU=none     the compiler's default target (slow SIMD, runs anywhere)
let targetCPU = ProcessInfo.processInfo.environment["EMOTION_TARGET_CPU"] ?? "native"

var hotCodeFlags: [String] = ["-Ounchecked"]
#if arch(x86_64) || arch(arm64)
if targetCPU != "none" {
    hotCodeFlags += ["-target-cpu", targetCPU]
}
#endif
let hotCode: [SwiftSetting] = [.unsafeFlags(hotCodeFlags)]
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "emotion",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "emotion", targets: ["emotion"]),
    ],
    targets: [
        .target(name: "EmotionKernels", swiftSettings: hotCode),
        .target(name: "EmotionTensor", dependencies: ["EmotionKernels"], swiftSettings: optimised),
        .target(name: "EmotionNN", dependencies: ["EmotionTensor", "EmotionKernels"], swiftSettings: optimised),
        .target(name: "ImageCodecs", swiftSettings: hotCode),
        .target(name: "EmotionTraining", dependencies: ["EmotionNN", "EmotionKernels", "ImageCodecs"], swiftSettings: optimised),
        // BlazeFace (MediaPipe's short-range face detector). Its weights are compiled into the binary
        // (`embedInCode`), so a copied `emotion` finds faces with no file beside it.
        .target(name: "FaceDetection", dependencies: ["EmotionNN", "EmotionTensor", "ImageCodecs"],
                exclude: ["Weights/convert_face_detection_short_range.py", "Weights/README.md",
                          "Weights/LICENSE-MediaPipe.txt"],
                resources: [.embedInCode("Weights/face_detection_short_range.safetensors")],
                swiftSettings: optimised),
        .executableTarget(name: "emotion", dependencies: ["EmotionTraining", "FaceDetection"]),

        .testTarget(name: "EmotionKernelsTests", dependencies: ["EmotionKernels"]),
        .testTarget(name: "EmotionTensorTests", dependencies: ["EmotionTensor"]),
        .testTarget(name: "EmotionNNTests", dependencies: ["EmotionNN"], exclude: ["Fixtures"]),
        .testTarget(name: "ImageCodecsTests", dependencies: ["ImageCodecs"], exclude: ["Fixtures"]),
        .testTarget(name: "EmotionTrainingTests", dependencies: ["EmotionTraining"], exclude: ["Fixtures"]),
        .testTarget(name: "FaceDetectionTests", dependencies: ["FaceDetection"], exclude: ["Fixtures"]),
        .testTarget(name: "EmotionCLITests", dependencies: ["emotion"]),
    ]
)
