// Kernel variants and scoped settings: the CPU-feature parsing behind the run-time choice, and that
// `withVariant` / `withThreadCount` apply inside their scope only. (Each variant's kernels are checked
// against their naive twins in GEMMTests and Conv2DTests.)

import Testing

@testable import EmotionKernels

@Test func cpuInfoParsingFindsTheModelAndAVX512() {
    let zen4 = """
        processor\t: 0
        vendor_id\t: AuthenticAMD
        model name\t: AMD EPYC 9R14 96-Core Processor
        flags\t\t: fpu vme avx2 fma avx512f avx512dq avx512bw avx512vl
        processor\t: 1
        model name\t: AMD EPYC 9R14 96-Core Processor
        """
    let parsed = CPUInfo.parse(procCPUInfo: zen4)
    #expect(parsed.modelName == "AMD EPYC 9R14 96-Core Processor")
    #expect(parsed.hasAVX512F)

    // avx512vl alone, or a flag that merely starts with the name, is not AVX-512F.
    let zen3 = "model name\t: AMD EPYC 7B13\nflags\t\t: fpu avx2 fma avx512vl avx512fx\n"
    #expect(!CPUInfo.parse(procCPUInfo: zen3).hasAVX512F)
    #expect(CPUInfo.parse(procCPUInfo: "").modelName == "unknown")
}

@Test func detectedVariantFollowsTheCPUAndTheBuild() {
    #if arch(arm64)
    #expect(Kernels.detectedVariant == .neon)
    #else
    let expected: Kernels.Variant = Kernels.buildMayUseAVX512 && CPUInfo.current.hasAVX512F ? .avx512 : .avx2
    #expect(Kernels.detectedVariant == expected)
    #endif
    #expect(Kernels.Variant.avx512.tileShape == (6, 32))
    #expect(Kernels.Variant.avx2.tileShape == (6, 16) && Kernels.Variant.neon.tileShape == (6, 16))
    #expect(Kernels.Variant.avx512.summary == "avx512 (16-wide vectors, 6x32 tiles)")
}

@Test func withVariantAndWithThreadCountAreScoped() {
    let (variant, threads) = (Kernels.activeVariant, Kernels.threadCount)
    let other: Kernels.Variant = variant == .avx512 ? .avx2 : .avx512
    Kernels.withVariant(other) {
        #expect(Kernels.activeVariant == other)
        Kernels.withThreadCount(threads + 3) {
            #expect(Kernels.threadCount == threads + 3)
            Kernels.withThreadCount(0) { #expect(Kernels.threadCount == 1) }
            #expect(Kernels.threadCount == threads + 3)
        }
    }
    #expect(Kernels.activeVariant == variant && Kernels.threadCount == threads)
}

@Test func workspacesFitEveryVariant() {
    // The workspace a caller allocates must serve whichever variant runs the convolution.
    let s = Conv2DShape(batch: 2, height: 9, width: 9, inChannels: 40, outChannels: 24, kernelHeight: 3,
                        kernelWidth: 3, padding: .same)
    for nr in [16, 32] {
        #expect(s.workspaceCount >= ConvPlan(s, nr: nr).workspaceCount)
    }
}
