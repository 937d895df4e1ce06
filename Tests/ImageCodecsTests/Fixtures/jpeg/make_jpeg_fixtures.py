"""Makes the JPEG decoder's own test corpus (run from anywhere; writes next to this script).

Tools: Pillow (encoder and the reference decoder: libjpeg-turbo, ISLOW IDCT, fancy upsampling, no EXIF
transpose) and cjpeg from libjpeg-turbo-progs (for 4:4:0, 4:1:1, arithmetic coding and a non-interleaved
scan script, which Pillow cannot write). Versions used: Pillow 13.0.0, cjpeg 2.1.5.

Every input is a small synthetic picture (smooth gradients plus sharp edges and a disc, so chroma
upsampling and the IDCT both matter) with sizes that are not MCU multiples. Each entry of fixtures.json
names the input, its reference decode (binary PGM/PPM, 8-bit) and what it covers. The test compares with
max |diff| 0: our decoder is meant to be bit-exact with libjpeg-turbo.
"""
import io, json, os, pathlib, subprocess, tempfile
import numpy as np
from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent


def picture(width, height):
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255 * x / max(width - 1, 1)
    g = 255 * y / max(height - 1, 1)
    b = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 4.0)
    disc = (x - width * 0.6) ** 2 + (y - height * 0.4) ** 2 < (min(width, height) * 0.3) ** 2
    r[disc], g[disc], b[disc] = 230, 30, 40
    stripe = (x.astype(int) // 5) % 2 == 0
    b[stripe & (y > height * 0.7)] = 10
    return Image.fromarray(np.clip(np.dstack([r, g, b]), 0, 255).astype(np.uint8), "RGB")


def write_pnm(path, image):
    a = np.array(image)
    if a.ndim == 2:
        header = b"P5\n%d %d\n255\n" % (a.shape[1], a.shape[0])
    else:
        header = b"P6\n%d %d\n255\n" % (a.shape[1], a.shape[0])
    path.write_bytes(header + a.astype(np.uint8).tobytes())


def pillow_jpeg(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def cjpeg(image, *arguments):
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "in.ppm")
        write_pnm(pathlib.Path(source), image)
        return subprocess.run(["cjpeg", *arguments, source], check=True, capture_output=True).stdout


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


entries = []


def add(name, data, covers, expect="decode"):
    (HERE / name).write_bytes(data)
    entry = {"file": name, "covers": covers, "expect": expect}
    if expect == "decode":
        decoded = Image.open(io.BytesIO(data))
        decoded.load()
        if decoded.mode == "CMYK":
            decoded = decoded.convert("RGB")
            entry["note"] = "reference is Pillow's CMYK->RGB conversion"
        stem = name.rsplit(".", 1)[0]
        reference = stem + (".pgm" if decoded.mode == "L" else ".ppm")
        write_pnm(HERE / reference, decoded)
        entry.update(reference=reference, width=decoded.width, height=decoded.height,
                     channels=1 if decoded.mode == "L" else 3,
                     orientation=Image.open(io.BytesIO(data)).getexif().get(0x0112, 1))
    entries.append(entry)


rgb = picture(37, 29)
add("baseline_444.jpg", pillow_jpeg(rgb, quality=90, subsampling=0), "baseline 4:4:4")
add("baseline_422.jpg", pillow_jpeg(rgb, quality=90, subsampling=1), "baseline 4:2:2, fancy h2v1 upsampling")
add("baseline_420.jpg", pillow_jpeg(rgb, quality=75, subsampling=2), "baseline 4:2:0, fancy h2v2 upsampling")
add("baseline_440.jpg", cjpeg(rgb, "-quality", "85", "-sample", "1x2,1x1,1x1"), "baseline 4:4:0, fancy h1v2 upsampling")
add("baseline_411.jpg", cjpeg(rgb, "-quality", "85", "-sample", "4x1,1x1,1x1"), "baseline 4:1:1, replication")
add("odd_sampling_3x2.jpg", cjpeg(rgb, "-quality", "85", "-sample", "3x2,1x1,3x1"), "odd sampling 3x2/1x1/3x1: 3x2 replication and h1v2 fancy")
add("grey.jpg", pillow_jpeg(rgb.convert("L"), quality=85), "greyscale baseline")
add("progressive_420.jpg", pillow_jpeg(rgb, quality=85, progressive=True), "progressive 4:2:0, successive approximation")
add("progressive_grey.jpg", pillow_jpeg(rgb.convert("L"), quality=95, progressive=True), "progressive greyscale")
add("restart_420.jpg", pillow_jpeg(rgb, quality=80, restart_marker_blocks=2), "restart interval of 2 MCUs")
add("arithmetic_420.jpg", cjpeg(rgb, "-quality", "85", "-arithmetic"), "arithmetic coding (SOF9)")
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as script:
    script.write("0: 0 63 0 0;\n1: 0 63 0 0;\n2: 0 63 0 0;\n")
add("noninterleaved_420.jpg", cjpeg(rgb, "-quality", "85", "-scans", script.name), "sequential, one scan per component")
os.unlink(script.name)
add("exif_orientation6.jpg", pillow_jpeg(rgb, quality=90, exif=exif_with_orientation(6)), "EXIF orientation 6 (rotate 90 clockwise)")
add("cmyk_adobe.jpg", pillow_jpeg(rgb.convert("CMYK"), quality=90), "Adobe CMYK (inverted), converted to RGB")
add("odd_13x7_420.jpg", pillow_jpeg(picture(13, 7), quality=90, subsampling=2), "13x7: partial MCUs at both edges")
add("tiny_1x1.jpg", pillow_jpeg(picture(1, 1), quality=90, subsampling=2), "1x1 4:2:0")

baseline = (HERE / "baseline_420.jpg").read_bytes()
scan_data = baseline.index(b"\xff\xda") + 14          # SOS of a 3-component scan is 14 bytes long
add("corrupt_truncated.jpg", baseline[: (scan_data + len(baseline)) // 2], "cut in the middle of the entropy-coded data",
    "truncatedData")
# Over-subscribe the first DHT table: 3 codes of 1 bit cannot exist.
dht = baseline.index(b"\xff\xc4")
oversubscribed = bytearray(baseline)
oversubscribed[dht + 5] = 3
add("corrupt_huffman_oversubscribed.jpg", bytes(oversubscribed), "DHT with more codes than bits allow", "invalidHuffmanTable")
add("corrupt_no_soi.jpg", baseline[2:], "SOI marker missing", "missingStartOfImage")

(HERE / "fixtures.json").write_text(json.dumps(entries, indent=1) + "\n")
print(f"wrote {len(entries)} fixtures to {HERE}")
