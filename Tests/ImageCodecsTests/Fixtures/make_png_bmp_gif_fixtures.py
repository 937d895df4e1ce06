#!/usr/bin/env python3
"""Makes the ImageCodecs test fixtures: small PNG, BMP and GIF files covering each decoder feature, with the
expected pixels, and zlib streams made by Python's zlib.

Run from anywhere: python3 make_png_bmp_gif_fixtures.py (numpy + Pillow; made with Pillow 13.0.0, numpy 2.x, zlib 1.3).

Expected pixels are binary Netpbm files with the conventions of ../shared/codec (P5 grey, P6 RGB, P7 PAM
GRAYSCALE_ALPHA / RGB_ALPHA; MAXVAL 65535 = 16-bit big-endian samples). For PNG they are computed from the
source arrays (independent of any decoder) and cross-checked against Pillow where Pillow is exact; BMP and
GIF expectations are Pillow's decode (converted to RGB/RGBA), which is what Keras sees.
Files Pillow cannot write (interlaced PNG, tRNS keys, top-down / bit-field / RLE BMP, offset GIF frames) are
assembled byte by byte below. `png_bmp_gif_fixtures.json` lists every fixture and what it covers.
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
for folder in ("png", "png/zlib", "bmp", "gif"):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
entries = []


def write_pnm(path, a, maxval=255):
    a = a if a.ndim == 3 else a[:, :, None]
    h, w, c = a.shape
    if c == 1:
        header = b"P5\n%d %d\n%d\n" % (w, h, maxval)
    elif c == 3:
        header = b"P6\n%d %d\n%d\n" % (w, h, maxval)
    else:
        tupltype = {2: b"GRAYSCALE_ALPHA", 4: b"RGB_ALPHA"}[c]
        header = b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH %d\nMAXVAL %d\nTUPLTYPE %s\nENDHDR\n" % (w, h, c, maxval, tupltype)
    with open(path, "wb") as f:
        f.write(header + a.astype(">u2" if maxval > 255 else "u1").tobytes())


def add(kind, name, data, expected, maxval=255, covers=""):
    path = f"{kind}/{name}"
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(data)
    stem = os.path.splitext(name)[0]
    channels = 1 if expected.ndim == 2 else expected.shape[2]
    ext = {1: "pgm", 3: "ppm"}.get(channels, "pam")
    expected_path = f"{kind}/{stem}.expected.{ext}"
    write_pnm(os.path.join(HERE, expected_path), expected, maxval)
    entries.append({"path": path, "expected": expected_path, "maxval": maxval, "width": int(expected.shape[1]),
                    "height": int(expected.shape[0]), "channels": channels, "covers": covers})


# A photo-like source: smooth gradients, a few shapes, mild noise (seeded).
rng = np.random.default_rng(20261125)
H, W = 37, 53
yy, xx = np.mgrid[0:H, 0:W]
photo = np.stack([xx * 255 / (W - 1), yy * 255 / (H - 1), (xx + yy) * 255 / (W + H - 2)], axis=2)
photo[(xx - 20) ** 2 + (yy - 15) ** 2 < 80] = [250, 40, 30]
photo += rng.normal(0, 6, photo.shape)
photo = np.clip(photo, 0, 255).astype(np.uint8)
alpha = ((xx * 7 + yy * 3) % 256).astype(np.uint8)


# ---------------------------------------------------------------- PNG, assembled by hand where needed
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_row(samples, depth):
    """One row of samples (already in stored order) at 1/2/4/8/16 bits."""
    samples = np.asarray(samples).reshape(-1)
    if depth == 16:
        return samples.astype(">u2").tobytes()
    if depth == 8:
        return samples.astype(np.uint8).tobytes()
    per = 8 // depth
    padded = np.zeros(-(-len(samples) // per) * per, dtype=np.int64)
    padded[: len(samples)] = samples
    groups = padded.reshape(-1, per)
    shifts = np.array([8 - depth * (i + 1) for i in range(per)])
    return (groups << shifts).sum(axis=1).astype(np.uint8).tobytes()


def filter_rows(rows, bpp, filter_cycle):
    """Filters each row (bytes) with the filter types in filter_cycle, in turn (numpy reference filters)."""
    out = b""
    prev = np.zeros(len(rows[0]) if rows else 0, dtype=np.int64)
    for i, row in enumerate(rows):
        f = filter_cycle[i % len(filter_cycle)]
        x = np.frombuffer(row, dtype=np.uint8).astype(np.int64)
        res = np.zeros_like(x)
        for j in range(len(x)):
            a = x[j - bpp] if j >= bpp else 0
            b = prev[j]
            c = prev[j - bpp] if j >= bpp else 0
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = b
            elif f == 3:
                p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            res[j] = (x[j] - p) % 256
        out += bytes([f]) + res.astype(np.uint8).tobytes()
        prev = x
    return out


def make_png(samples, colour_type, depth, interlace=False, plte=None, trns=None, filters=(0, 1, 2, 3, 4),
             idat_piece=None, level=9, extra_before=b""):
    """samples: H x W x spp array of raw stored samples (palette indices for type 3)."""
    h, w = samples.shape[:2]
    spp = samples.shape[2] if samples.ndim == 3 else 1
    bpp = max(1, spp * depth // 8)
    raw = b""
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for (x0, y0, dx, dy) in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        rows = [pack_row(r, depth) for r in sub]
        raw += filter_rows(rows, bpp, filters)
    data = zlib.compress(raw, level)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 1 if interlace else 0)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra_before
    if plte is not None:
        out += chunk(b"PLTE", bytes(np.asarray(plte, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    piece = idat_piece or len(data)
    for i in range(0, len(data), piece):
        out += chunk(b"IDAT", data[i:i + piece])
    return out + chunk(b"IEND", b"")


def pillow_check(data, expected):
    """Pillow must agree with our computed expectation (where Pillow is exact)."""
    im = Image.open(io.BytesIO(data))
    im.load()
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif im.mode == "1":
        im = im.convert("L")
    elif im.mode == "RGB" and "transparency" in im.info:
        im = im.convert("RGBA")
    got = np.array(im)
    assert got.shape == expected.shape and (got == expected).all(), "Pillow disagrees"


# 8-bit RGB, all five filters cycling (Pillow's own encoder picks filters adaptively too).
data = make_png(photo, 2, 8)
pillow_check(data, photo)
add("png", "rgb8_filters.png", data, photo, covers="8-bit RGB, filters 0-4 cycling")

buf = io.BytesIO()
Image.fromarray(photo).save(buf, "PNG")
add("png", "rgb8_pillow.png", buf.getvalue(), photo, covers="8-bit RGB written by Pillow (adaptive filters)")

rgba = np.dstack([photo, alpha])
data = make_png(rgba, 6, 8, interlace=True)
pillow_check(data, rgba)
add("png", "rgba8_interlaced.png", data, rgba, covers="8-bit RGBA, Adam7")

# 16-bit RGB, interlaced: samples spread over the full 16-bit range.
rgb16 = (photo.astype(np.uint32) * 257 + rng.integers(0, 257, photo.shape)).astype(np.uint16)
data = make_png(rgb16, 2, 16, interlace=True)
add("png", "rgb16_interlaced.png", data, rgb16, maxval=65535, covers="16-bit RGB, Adam7 (exact 16-bit)")

grey16 = rgb16[:, :, 0]
data = make_png(grey16, 0, 16, filters=(4, 3))
add("png", "grey16.png", data, grey16, maxval=65535, covers="16-bit grey, Paeth/Average")

# 16-bit grey + alpha with a tiny size: 3x2, interlaced (most passes empty).
ga16 = np.dstack([grey16[:2, :3], (grey16[:2, :3] ^ 0xFFFF)])
data = make_png(ga16, 4, 16, interlace=True)
add("png", "grey_alpha16_3x2_interlaced.png", data, ga16, maxval=65535, covers="16-bit grey+alpha, Adam7 empty passes")

# Sub-8-bit grey with scaling v*255/(2^d-1); 1-bit with an odd width.
for depth in (1, 2, 4):
    g = rng.integers(0, 1 << depth, (9, 13))
    data = make_png(g, 0, depth, interlace=(depth == 2))
    scaled = (g * 255 // ((1 << depth) - 1)).astype(np.uint8)
    pillow_check(data, scaled)
    add("png", f"grey{depth}.png", data, scaled, covers=f"{depth}-bit grey" + (", Adam7" if depth == 2 else ""))

# Grey key colour → alpha (4-bit, key 5; compared at the file's bit depth).
g4 = rng.integers(0, 16, (11, 7))
data = make_png(g4, 0, 4, trns=struct.pack(">H", 5))
expected = np.dstack([(g4 * 17).astype(np.uint8), np.where(g4 == 5, 0, 255).astype(np.uint8)])
add("png", "grey4_trns_key.png", data, expected, covers="4-bit grey with tRNS key (alpha at the stored depth)")

# RGB key colour → alpha.
rgb_key = photo.copy()
rgb_key[3:6, 4:9] = [10, 20, 30]
data = make_png(rgb_key, 2, 8, trns=struct.pack(">HHH", 10, 20, 30))
expected = np.dstack([rgb_key, np.where((rgb_key == [10, 20, 30]).all(axis=2), 0, 255).astype(np.uint8)])
pillow_check(data, expected)
add("png", "rgb8_trns_key.png", data, expected, covers="8-bit RGB with tRNS key colour")

# Palette: 8-bit with tRNS shorter than PLTE; 4-bit interlaced without tRNS; 1-bit.
palette = rng.integers(0, 256, (200, 3))
idx = rng.integers(0, 200, (21, 30))
trns = bytes(rng.integers(0, 256, 120).astype(np.uint8))
data = make_png(idx, 3, 8, plte=palette, trns=trns, idat_piece=50)
pal_alpha = np.concatenate([np.frombuffer(trns, dtype=np.uint8), np.full(80, 255, np.uint8)])
expected = np.dstack([palette[idx].astype(np.uint8), pal_alpha[idx]])
pillow_check(data, expected)
add("png", "palette8_trns_split_idat.png", data, expected, covers="8-bit palette, tRNS shorter than PLTE, IDAT split in 50-byte chunks")

idx4 = rng.integers(0, 16, (19, 23))
data = make_png(idx4, 3, 4, plte=palette[:16], interlace=True)
expected = palette[:16][idx4].astype(np.uint8)
pillow_check(data, expected)
add("png", "palette4_interlaced.png", data, expected, covers="4-bit palette, Adam7")

idx1 = rng.integers(0, 2, (5, 17))
data = make_png(idx1, 3, 1, plte=[[255, 0, 0], [0, 0, 255]])
expected = np.array([[255, 0, 0], [0, 0, 255]], dtype=np.uint8)[idx1]
pillow_check(data, expected)
add("png", "palette1.png", data, expected, covers="1-bit palette, odd width")

# Stored (level 0) deflate with ancillary chunks before the image data.
text = chunk(b"tEXt", b"Comment\x00made by make_fixtures.py") + chunk(b"gAMA", struct.pack(">I", 45455))
grey8 = photo[:, :, 1]
data = make_png(grey8, 0, 8, level=0, extra_before=text)
pillow_check(data, grey8)
add("png", "grey8_stored_text.png", data, grey8, covers="8-bit grey, stored deflate blocks, tEXt + gAMA")

# ---------------------------------------------------------------- BMP
def pillow_rgb(data, mode="RGB"):
    im = Image.open(io.BytesIO(data))
    im.load()
    return np.array(im.convert(mode))


for mode, name, covers in [("RGB", "rgb24.bmp", "24-bit BI_RGB, bottom-up, row padding"),
                           ("RGBA", "rgba32_rgb.bmp", "32-bit BI_RGB (fourth byte ignored, as Pillow does)"),
                           ("P", "palette8.bmp", "8-bit palette"), ("1", "mono1.bmp", "1-bit palette")]:
    src = Image.fromarray(np.dstack([photo, alpha])).convert(mode) if mode != "RGB" else Image.fromarray(photo)
    if mode == "P":
        src = Image.fromarray(photo).quantize(64)
    buf = io.BytesIO()
    src.save(buf, "BMP")
    add("bmp", name, buf.getvalue(), pillow_rgb(buf.getvalue()), covers=covers)


def bmp_file(width, height, bits, pixel_rows, compression=0, header_size=40, masks=b"", palette=b"", colours=0):
    info = struct.pack("<IiiHHIIiiII", header_size, width, height, 1, bits, compression, len(pixel_rows), 2835, 2835,
                       colours, 0)
    if header_size > 40:
        info += masks.ljust(header_size - 40, b"\x00")
        masks = b""
    offset = 14 + len(info) + len(masks) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(pixel_rows), 0, 0, offset) + info + masks + palette + pixel_rows


def padded(row):
    return row + b"\x00" * (-len(row) % 4)


h, w = photo.shape[:2]
# Top-down 24-bit (negative height).
rows = b"".join(padded(photo[y, :, ::-1].tobytes()) for y in range(h))
data = bmp_file(w, -h, 24, rows)
add("bmp", "rgb24_top_down.bmp", data, pillow_rgb(data), covers="24-bit, top-down (negative height)")

# 32-bit BI_BITFIELDS, V5 header with an alpha mask → RGBA.
bgra = np.dstack([photo[:, :, 2], photo[:, :, 1], photo[:, :, 0], alpha])
rows = b"".join(bgra[y].tobytes() for y in range(h - 1, -1, -1))
data = bmp_file(w, h, 32, rows, compression=3, header_size=124,
                masks=struct.pack("<IIII", 0xFF0000, 0xFF00, 0xFF, 0xFF000000))
add("bmp", "rgba32_bitfields_v5.bmp", data, pillow_rgb(data, "RGBA"), covers="32-bit BI_BITFIELDS with alpha mask (V5 header)")

# 16-bit 5-6-5 bit fields after a 40-byte header.
r5, g6, b5 = photo[:, :, 0] >> 3, photo[:, :, 1] >> 2, photo[:, :, 2] >> 3
v = (r5.astype(np.uint16) << 11) | (g6.astype(np.uint16) << 5) | b5
rows = b"".join(padded(v[y].astype("<u2").tobytes()) for y in range(h - 1, -1, -1))
data = bmp_file(w, h, 16, rows, compression=3, masks=struct.pack("<III", 0xF800, 0x7E0, 0x1F))
add("bmp", "rgb16_565.bmp", data, pillow_rgb(data), covers="16-bit 5-6-5 BI_BITFIELDS")

# 4-bit palette, and 8-bit RLE.
pal16 = rng.integers(0, 256, (16, 3)).astype(np.uint8)
idx4 = rng.integers(0, 16, (h, w))
pal_bytes = b"".join(bytes([b, g, r, 0]) for r, g, b in pal16)
rows = b"".join(padded(pack_row(idx4[y], 4)) for y in range(h - 1, -1, -1))
data = bmp_file(w, h, 4, rows, palette=pal_bytes, colours=16)
add("bmp", "palette4.bmp", data, pillow_rgb(data), covers="4-bit palette")

runs = b""
idx8 = np.minimum(yy // 3 + (xx // 7), 15).astype(np.uint8)  # long runs
for y in range(h - 1, -1, -1):
    x = 0
    while x < w:
        n = 1
        while x + n < w and n < 255 and idx8[y, x + n] == idx8[y, x]:
            n += 1
        if n >= 2 or x + 3 > w:
            runs += bytes([n, idx8[y, x]])
            x += n
        else:  # an absolute run of 3 literal bytes, padded to 16 bits
            runs += bytes([0, 3]) + idx8[y, x:x + 3].tobytes() + b"\x00"
            x += 3
    runs += b"\x00\x00"
runs += b"\x00\x01"
data = bmp_file(w, h, 8, runs, compression=1, palette=pal_bytes, colours=16)
add("bmp", "palette8_rle8.bmp", data, pillow_rgb(data), covers="8-bit RLE8 (encoded and absolute runs)")

# ---------------------------------------------------------------- GIF
for interlace, name in [(0, "plain.gif"), (1, "interlaced.gif")]:
    src = Image.fromarray(photo).quantize(128)
    buf = io.BytesIO()
    src.save(buf, "GIF", interlace=interlace)
    raw = buf.getvalue()
    # Check the flag in the first image descriptor really is what we asked for.
    add("gif", name, raw, pillow_rgb(raw), covers=("interlaced" if interlace else "non-interlaced") + ", global colour table, LZW")

# A frame smaller than the logical screen, placed at an offset, with a local colour table and a
# transparent index: the screen starts filled with the transparent index.
small = Image.fromarray(photo[:20, :30]).quantize(32)
buf = io.BytesIO()
small.save(buf, "GIF", interlace=0, transparency=3)
raw = bytearray(buf.getvalue())
pos = raw.index(b"\x2c")
# Move the global table to a local one: clear the global flag, set local flag and size on the descriptor.
flags = raw[10]
table_size = 3 << ((flags & 7) + 1)
table = raw[13:13 + table_size]
screen = struct.pack("<HH", 40, 26) + bytes([0x00, 0, 0])
body = raw[13 + table_size:]
pos = body.index(b"\x2c")
descriptor = b"\x2c" + struct.pack("<HHHH", 6, 4, 30, 20) + bytes([0x80 | (flags & 7)])
body = body[:pos] + descriptor + table + body[pos + 10:]
data = bytes(raw[:6] + screen + body)
add("gif", "offset_frame_local_table.gif", data, pillow_rgb(data), covers="frame offset in a larger screen, local colour table, transparent index as canvas fill")

# ---------------------------------------------------------------- zlib streams made by Python's zlib
def reference_data(n):
    """Deterministic, part text-like, part noise, part runs: the same generator is in InflateTests.swift (referenceData)."""
    out = bytearray(n)
    state = 12345
    for i in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        block = (i // 4096) % 3
        if block == 0:
            out[i] = 97 + (state >> 16) % 8        # few symbols: Huffman-heavy
        elif block == 1:
            out[i] = (state >> 16) & 0xFF           # noise: near-stored
        else:
            out[i] = (i // 97) & 0xFF               # runs: long matches
    return bytes(out)


zlib_entries = []
for n in (0, 1, 70000):
    for level in (0, 1, 9):
        name = f"png/zlib/data{n}_level{level}.zlib"
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(zlib.compress(reference_data(n), level))
        zlib_entries.append({"path": name, "size": n, "level": level})

with open(os.path.join(HERE, "png_bmp_gif_fixtures.json"), "w") as f:
    json.dump({"generator": "make_png_bmp_gif_fixtures.py", "images": entries, "zlib": zlib_entries,
               "zlib_version": zlib.ZLIB_VERSION}, f, indent=1)
print(f"{len(entries)} images, {len(zlib_entries)} zlib streams")
