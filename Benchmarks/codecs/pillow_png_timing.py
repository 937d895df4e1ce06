"""Pillow's single-threaded PNG decode speed on the same files as png_decode_timing.swift.
Usage: pillow_png_timing.py LABEL REPEATS FOLDER|FILE..."""
import io
import pathlib
import sys
import time

try:
    from PIL import Image
except ImportError:
    print("Pillow not installed: skipped")
    sys.exit(0)

label, repeats = sys.argv[1], int(sys.argv[2])
paths = []
for argument in sys.argv[3:]:
    path = pathlib.Path(argument)
    paths += sorted(path.rglob("*.png")) if path.is_dir() else [path]
files = [p.read_bytes() for p in paths]
best, pixels = float("inf"), 0
for _ in range(repeats):
    pixels = 0
    start = time.perf_counter()
    for data in files:
        image = Image.open(io.BytesIO(data))
        image.load()
        pixels += image.width * image.height
    best = min(best, time.perf_counter() - start)
print(f"Pillow PNG {label}: {len(files)} files, {pixels / 1e6:.2f} MP, best of {repeats}: {best:.3f} s, "
      f"{pixels / 1e6 / best:.1f} MP/s  (Pillow {Image.__version__})")
