"""Pillow's single-threaded decode speed on the same files as decode_timing.swift, with its arguments.
Usage: pillow_decode_timing.py jpeg|png LABEL REPEATS FOLDER|FILE..."""
import io
import pathlib
import sys
import time

try:
    from PIL import Image
except ImportError:
    print("Pillow not installed: skipped")
    sys.exit(0)

FORMATS = {"jpeg": ((".jpg", ".jpeg"), b"\xff\xd8\xff"), "png": ((".png",), b"\x89PNG\r\n\x1a\n")}
name, label, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
suffixes, signature = FORMATS[name]
paths = []
for argument in sys.argv[4:]:
    path = pathlib.Path(argument)
    paths += sorted(p for p in path.rglob("*") if p.suffix.lower() in suffixes) if path.is_dir() else [path]
files = [data for data in (p.read_bytes() for p in paths) if data.startswith(signature)]
best, pixels = float("inf"), 0
for _ in range(repeats):
    pixels = 0
    start = time.perf_counter()
    for data in files:
        image = Image.open(io.BytesIO(data))
        image.load()
        pixels += image.width * image.height
    best = min(best, time.perf_counter() - start)
print(f"Pillow {name.upper()} {label}: {len(files)} files, {pixels / 1e6:.2f} MP, best of {repeats}: {best:.3f} s, "
      f"{pixels / 1e6 / best:.1f} MP/s  (Pillow {Image.__version__})")
