#!/bin/sh
# JPEG decode speed: our decoder (single thread, -Ounchecked -target-cpu native like the package) next
# to Pillow/libjpeg-turbo on the same files. Usage: Benchmarks/codecs/bench_jpeg.sh [FOLDER] [REPEATS]
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
folder=${1:-$root/../shared/data/faces6}
repeats=${2:-3}
build=$root/.build/bench-jpeg
mkdir -p "$build"
swiftc -Ounchecked -wmo -target-cpu "${EMOTION_TARGET_CPU:-native}" -parse-as-library -module-name DecodeBench \
    -o "$build/decode_timing" $(find "$root/Sources/ImageCodecs" -name '*.swift') "$here/decode_timing.swift"
"$build/decode_timing" jpeg "$(basename "$folder")" "$repeats" "$folder"
if command -v python3 >/dev/null 2>&1; then
    python3 "$here/pillow_decode_timing.py" jpeg "$(basename "$folder")" "$repeats" "$folder"
fi
