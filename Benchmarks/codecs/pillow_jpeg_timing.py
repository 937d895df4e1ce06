"""Pillow's single-threaded JPEG decode speed on the same files as jpeg_decode_timing.swift."""
import pathlib, sys, time

try:
    from PIL import Image
except ImportError:
    print("Pillow not installed: skipped")
    sys.exit(0)

folder = pathlib.Path(sys.argv[1])
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
files = []
for path in sorted(folder.rglob("*")):
    if path.suffix.lower() in (".jpg", ".jpeg"):
        data = path.read_bytes()
        if data[:3] == b"\xff\xd8\xff":
            files.append(data)
import io
best, pixels = float("inf"), 0
for _ in range(repeats):
    pixels = 0
    start = time.perf_counter()
    for data in files:
        image = Image.open(io.BytesIO(data))
        image.load()
        pixels += image.width * image.height
    best = min(best, time.perf_counter() - start)
print(f"Pillow {Image.__version__} JPEG: {len(files)} files, {pixels / 1e6:.1f} MP, best of {repeats}: "
      f"{best:.3f} s, {pixels / 1e6 / best:.1f} MP/s")
