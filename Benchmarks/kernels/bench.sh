#!/bin/sh
# Kernel micro-benchmark: builds the EmotionKernels sources together with main.swift into a throwaway
# executable (same flags as Package.swift: -Ounchecked -target-cpu native) and runs it, on the kernel
# variant this CPU selects or $EMOTION_KERNEL_VARIANT (avx512, avx2, neon).
# Usage: Benchmarks/kernels/bench.sh [gemm|conv|all|cpu <fwd|bwdIn|bwdW> <conv1|conv2>|cpu dense <threads>]
# The scratch directory for the executable is $KERNEL_BENCH_SCRATCH (default <repo>/.build-kernels).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
scratch=${KERNEL_BENCH_SCRATCH:-"$root/.build-kernels"}
mkdir -p "$scratch"
cpu=${EMOTION_TARGET_CPU:-native}
define=EMOTION_TARGET_CPU_$(echo "$cpu" | tr 'a-z-' 'A-Z_')
swiftc -Ounchecked -target-cpu "$cpu" -D "$define" -wmo -module-name EmotionKernels \
    $(find "$root/Sources/EmotionKernels" -name '*.swift') "$here/main.swift" -o "$scratch/kernel-bench"
"$scratch/kernel-bench" "${@:-all}"
