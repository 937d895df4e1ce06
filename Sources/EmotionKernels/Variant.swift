// Kernel variants: the register-tile width the GEMM and convolution micro-kernels use, chosen at run time
// from the CPU's features, and what the build was compiled for.
//
// Why a run-time choice, and why only the tiles: Swift has no per-function target attributes, so every
// function in this module is compiled for one target CPU (Package.swift: `-target-cpu native` by default,
// `EMOTION_TARGET_CPU` to change it). `SIMD16<Float>` compiles for any target: one zmm register where the
// target has AVX-512, two ymm halves with AVX2, four NEON registers on arm64. The memory-bound kernels
// (elementwise, pooling, batch norm, depthwise) are written once with 16-float vectors and so run at the
// full width of whatever the build targets. The register-blocked micro-kernels cannot: a 6×32 tile fills
// AVX-512's 32 registers but spills on AVX2's 16, while a 6×16 tile leaves half of every AVX-512 unit idle.
// So the micro-kernels exist as two instances of one generic code (`TileVector`), and the variant picks one.
// The variants differ in speed only, never in result: every choice that fixes an order of summation (the
// K slices of a product, the stride-1 input gradient's path) is the same for every tile width, so a seed
// trains the same model bit for bit on an AVX2 and an AVX-512 machine (tested across the variants).
//
// Which one a build may use: with `native` (the default) the build machine is the machine that runs the
// binary, so the CPU's features decide. A portable build (`EMOTION_TARGET_CPU=haswell`) contains no AVX-512
// instructions at all (its 16-wide tiles would be two ymm halves and spill), so it stays on 8-wide tiles;
// `EMOTION_TARGET_CPU=skylake-avx512` builds a binary for AVX-512 machines only. A portable binary that
// used AVX-512 where present would need the whole tiled engine compiled a second time, in a module with an
// AVX-512 target CPU (SwiftPM compiles a source file in one target only, so the engine would have to become
// `@inlinable` public API or be duplicated), and that copy could never run on the machines without AVX-512
// that test it; `swift build` already gives every machine its full width, so we do not ship one.

import Foundation

extension Kernels {
    /// A set of micro-kernels for one vector width. Every variant runs correctly on every machine (tests
    /// run them all); the one matching the CPU is the fast one.
    public enum Variant: String, CaseIterable, Sendable, Codable {
        /// 16-float vectors (AVX-512): 6×32 register tiles in 12 of the 32 zmm registers.
        case avx512
        /// 8-float vectors (AVX2 + FMA): 6×16 tiles in 12 of the 16 ymm registers.
        case avx2
        /// 4-float vectors (arm64 NEON): 6×16 tiles, each 8-float half-row in two q registers (24 of 32).
        case neon

        /// Floats per hardware vector.
        public var vectorWidth: Int {
            switch self {
            case .avx512: 16
            case .avx2: 8
            case .neon: 4
            }
        }

        /// Rows × columns of the GEMM and convolution register tile.
        public var tileShape: (rows: Int, columns: Int) {
            (GEMM.mr, 2 * tileVector.width)
        }

        /// E.g. "avx512 (16-wide vectors, 6x32 tiles)".
        public var summary: String {
            "\(rawValue) (\(vectorWidth)-wide vectors, \(tileShape.rows)x\(tileShape.columns) tiles)"
        }

        /// The half-row vector of the variant's tiles.
        var tileVector: TileVectorWidth {
            self == .avx512 ? .sixteen : .eight
        }
    }

    /// The variant the kernels use in the current scope: the innermost `withVariant` value, or the one
    /// chosen for this CPU and build (`detectedVariant`).
    public static var activeVariant: Variant {
        scopedVariant ?? detectedVariant
    }

    /// Runs `body` with the kernels on `variant`'s micro-kernels (for the calling task and the code it calls
    /// synchronously), e.g. to test or benchmark a variant this CPU would not choose.
    public static func withVariant<Result>(_ variant: Variant, _ body: () throws -> Result) rethrows -> Result {
        try $scopedVariant.withValue(variant, operation: body)
    }

    @TaskLocal private static var scopedVariant: Variant?

    /// The variant for this CPU, capped by what the build's target CPU can execute (see the file comment).
    public static let detectedVariant: Variant = {
        #if arch(arm64)
        return .neon
        #else
        return buildMayUseAVX512 && CPUInfo.current.hasAVX512F ? .avx512 : .avx2
        #endif
    }()

    /// The `-target-cpu` the kernels were compiled for (Package.swift's `EMOTION_TARGET_CPU`).
    public static let buildTargetCPU: String = {
        #if EMOTION_TARGET_CPU_NATIVE
        return "native"
        #elseif EMOTION_TARGET_CPU_HASWELL
        return "haswell"
        #elseif EMOTION_TARGET_CPU_SKYLAKE_AVX512
        return "skylake-avx512"
        #elseif EMOTION_TARGET_CPU_NONE
        return "none"
        #else
        return "unknown"
        #endif
    }()

    /// Whether code compiled for `buildTargetCPU` may contain AVX-512 instructions where the CPU has them.
    static var buildMayUseAVX512: Bool {
        #if EMOTION_TARGET_CPU_NATIVE || EMOTION_TARGET_CPU_SKYLAKE_AVX512
        return true
        #else
        return false
        #endif
    }

    /// The CPU's marketing name (e.g. "AMD EPYC 7B13"), or "unknown".
    public static var cpuModelName: String { CPUInfo.current.modelName }
}

/// The two tile widths the generic micro-kernels are instantiated for.
enum TileVectorWidth {
    case eight, sixteen

    var width: Int { self == .sixteen ? 16 : 8 }
}

/// What the kernels need to know about the CPU, read once: its name and whether it has AVX-512F (Linux:
/// /proc/cpuinfo, whose flags the kernel clears when the OS does not save AVX-512 state; macOS: sysctl).
struct CPUInfo: Sendable {
    var modelName: String
    var hasAVX512F: Bool

    static let current = CPUInfo.read()

    static func read() -> CPUInfo {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
            return CPUInfo(modelName: "unknown", hasAVX512F: false)
        }
        return parse(procCPUInfo: text)
        #elseif os(macOS)
        return CPUInfo(modelName: sysctlString("machdep.cpu.brand_string") ?? "unknown",
                       hasAVX512F: sysctlInt("hw.optional.avx512f") == 1)
        #else
        return CPUInfo(modelName: "unknown", hasAVX512F: false)
        #endif
    }

    /// The first processor's "model name" and "flags" lines of /proc/cpuinfo.
    static func parse(procCPUInfo text: String) -> CPUInfo {
        var modelName = "unknown"
        var flags: [Substring] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            if key == "model name" && modelName == "unknown" {
                modelName = parts[1].trimmingCharacters(in: .whitespaces)
            } else if key == "flags" && flags.isEmpty {
                flags = parts[1].split(separator: " ")
            }
        }
        return CPUInfo(modelName: modelName, hasAVX512F: flags.contains("avx512f"))
    }

    #if os(macOS)
    private static func sysctlInt(_ name: String) -> Int? {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        return sysctlbyname(name, &value, &size, nil, 0) == 0 ? Int(value) : nil
    }

    private static func sysctlString(_ name: String) -> String? {
        var size = 0
        guard sysctlbyname(name, nil, &size, nil, 0) == 0, size > 0 else { return nil }
        var bytes = [CChar](repeating: 0, count: size)
        guard sysctlbyname(name, &bytes, &size, nil, 0) == 0 else { return nil }
        return String(cString: bytes)
    }
    #endif
}
