#!/bin/sh
# PNG decode speed: our decoder (single thread, -Ounchecked -target-cpu native like the package) next to
# Pillow (zlib-ng) on the same files, in one run. Usage: Benchmarks/codecs/bench_png.sh [REPEATS]
# Sets: the real-photo PNGs of ../shared/codec/png (gen_*), and the first 300 faces6 photos re-encoded as
# RGB PNGs by Pillow (made once under .build/bench-png; needs Pillow, skipped without it).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
repeats=${1:-5}
build=${BENCH_WORK:-$root/.build/bench-png}
mkdir -p "$build"
codecs=$root/Sources/ImageCodecs
swiftc -Ounchecked -wmo -target-cpu "${EMOTION_TARGET_CPU:-native}" -parse-as-library -module-name DecodeBench \
    -o "$build/decode_timing" $(find "$codecs" -name '*.swift') "$here/decode_timing.swift"
shared=$root/../shared
if [ -d "$shared/codec/png" ]; then
    "$build/decode_timing" png gen_photos "$repeats" "$shared"/codec/png/gen_*.png
    python3 "$here/pillow_decode_timing.py" png gen_photos "$repeats" "$shared"/codec/png/gen_*.png || true
fi
if [ -d "$shared/data/faces6" ] && python3 -c "import PIL" 2>/dev/null; then
    if [ ! -d "$build/faces6-png" ]; then
        python3 - "$shared/data/faces6" "$build/faces6-png" <<'PY'
import pathlib, sys
from PIL import Image
source, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
target.mkdir(parents=True, exist_ok=True)
for i, path in enumerate(sorted(source.rglob("*.jpg"))[:300]):
    Image.open(path).convert("RGB").save(target / f"{i:04d}.png")
PY
    fi
    "$build/decode_timing" png faces6_png "$repeats" "$build/faces6-png"
    python3 "$here/pillow_decode_timing.py" png faces6_png "$repeats" "$build/faces6-png" || true
fi
