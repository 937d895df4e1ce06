#!/bin/sh
# Fuzzes the PNG, inflate, BMP and GIF decoders with libFuzzer + AddressSanitizer.
# Usage: Benchmarks/fuzz/run-png.sh [SECONDS (default 180)] [extra libFuzzer flags]
# Seeds: the repository's PNG/BMP/GIF fixtures and zlib streams, plus ../shared/codec/png when present.
# New inputs and any crash-* / timeout-* / oom-* artifacts go to .build/fuzz-png/; turn each crash into a
# regression test (Tests/ImageCodecsTests/PNGFuzzRegressionTests.swift, inputs in Fixtures/png/fuzz/).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-180}
[ $# -gt 0 ] && shift
work=${FUZZ_WORK:-$root/.build/fuzz-png}
fixtures=$root/Tests/ImageCodecsTests/Fixtures
mkdir -p "$work/corpus" "$work/artifacts"
cp "$fixtures"/png/*.png "$fixtures"/bmp/*.bmp "$fixtures"/gif/*.gif "$fixtures"/png/zlib/*.zlib "$work/corpus/"
if [ -d "$fixtures/png/fuzz" ]; then cp "$fixtures"/png/fuzz/* "$work/corpus/"; fi
if [ -d "$root/../shared/codec/png" ]; then cp "$root"/../shared/codec/png/*.png "$work/corpus/"; fi
codecs=$root/Sources/ImageCodecs
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzPNG -o "$work/fuzz-png" \
    "$codecs/Image.swift" "$codecs"/Inflate/*.swift "$codecs"/Deflate/*.swift "$codecs"/PNG/*.swift \
    "$codecs"/BMP/*.swift "$codecs"/GIF/*.swift "$here/png/FuzzPNG.swift"
"$work/fuzz-png" "$work/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=32768 -dict="$here/png/png.dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@"
