#!/bin/sh
# Kernel micro-benchmark: builds the EmotionKernels sources together with main.swift into a throwaway
# executable (same flags as Package.swift: -Ounchecked -target-cpu native) and runs it.
# Usage: Benchmarks/kernels/bench.sh [gemm|conv|all] [scratch dir]
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
scratch=${2:-"$root/.build-kernels"}
mkdir -p "$scratch"
swiftc -Ounchecked -target-cpu "${EMOTION_TARGET_CPU:-native}" -wmo -module-name EmotionKernels \
    $(find "$root/Sources/EmotionKernels" -name '*.swift') "$here/main.swift" -o "$scratch/kernel-bench"
"$scratch/kernel-bench" "${1:-all}"
