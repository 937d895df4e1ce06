#!/bin/sh
# Fuzzes the JPEG decoder with libFuzzer + AddressSanitizer.
# Usage: Benchmarks/fuzz/run-jpeg.sh [SECONDS (default 240)] [extra libFuzzer flags]
# Seeds: the repository's JPEG fixtures, plus ../shared/codec/jpeg when present. New inputs and any
# crash-* / timeout-* / oom-* artifacts go to .build/fuzz-jpeg/; turn each crash into a regression test
# (Tests/ImageCodecsTests/JPEGFuzzRegressionTests.swift).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-240}
[ $# -gt 0 ] && shift
work=$root/.build/fuzz-jpeg
mkdir -p "$work/corpus" "$work/artifacts"
cp "$root"/Tests/ImageCodecsTests/Fixtures/jpeg/*.jpg "$work/corpus/" 2>/dev/null || true
if [ -d "$root/../shared/codec/jpeg" ]; then cp "$root"/../shared/codec/jpeg/*.jpg "$work/corpus/"; fi
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzJPEG -o "$work/fuzz-jpeg" \
    "$root"/Sources/ImageCodecs/Image.swift "$root"/Sources/ImageCodecs/JPEG/*.swift "$here/jpeg/FuzzJPEG.swift"
"$work/fuzz-jpeg" "$work/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -dict="$here/jpeg/jpeg.dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@"
