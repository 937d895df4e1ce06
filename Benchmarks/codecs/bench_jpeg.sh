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
swiftc -Ounchecked -target-cpu "${EMOTION_TARGET_CPU:-native}" -parse-as-library -module-name JPEGBench \
    -o "$build/jpeg_decode_timing" "$root"/Sources/ImageCodecs/Image.swift "$root"/Sources/ImageCodecs/JPEG/*.swift \
    "$here/jpeg_decode_timing.swift"
"$build/jpeg_decode_timing" "$folder" "$repeats"
if command -v python3 >/dev/null 2>&1; then
    python3 "$here/pillow_jpeg_timing.py" "$folder" "$repeats"
fi
