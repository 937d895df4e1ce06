#!/usr/bin/env python3
"""Checks `emotion export --format onnx` against `emotion predict`, one model of each kind.

For every model kind emotion writes (task1-small with --input-scale unit and raw and with flip TTA, task1-large, a fine-tuned
EfficientNet-Lite0 and EfficientNetV2-B3 classifier) it makes a small model folder with the emotion CLI,
exports it, and runs the ONNX file in onnxruntime on exactly the pixels `emotion predict` classifies:
face images and random-noise images, resized by `emotion decode --resize` to the model's input size and
written as PNG, so both sides read the same bytes. It prints the largest absolute difference between the
two sets of probabilities per kind and fails (exit 1) when one exceeds 1e-4 or a predicted class differs.

The models are tiny runs (1-2 epochs on 4 demo faces per class): the export math does not depend on how
well a model is trained. EfficientNet-Lite0 starts from ../shared/backbones/efficientnet_lite0.safetensors
(ImageNet weights). No EfficientNetV2-B3 weights ship, so its backbone is timm's tf_efficientnetv2_b3
randomly initialised with seed 0 with batch-norm statistics measured on
random images (made in a subprocess with torch+timm; the kind is skipped when they are missing).

Needs numpy and onnxruntime (skips with a message when onnxruntime is absent). Checked with Python 3.11,
numpy 2.4, onnxruntime 1.32, onnx 1.23, torch 2.x + timm 1.0.31 (for the V2-B3 weights).

    python3 Benchmarks/export/check_onnx.py [--emotion .build/release/emotion] [--work /tmp/emotion-onnx]
                                          [--kinds task1-small,efficientnet-lite0]
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
TOLERANCE = 1e-4

# kind -> (model input size, how its folder is made: a list of emotion arguments, with {data} {out} {weights})
KINDS = {
    "task1-small": (100, ["train", "--model", "task1-small", "--epochs", "1", "--data", "{data}", "--output", "{out}"]),
    "task1-small-raw": (100, ["train", "--model", "task1-small", "--epochs", "1", "--input-scale", "raw",
                              "--data", "{data}", "--output", "{out}"]),
    "task1-small-flip": (100, ["train", "--model", "task1-small", "--epochs", "1", "--tta", "flip",
                               "--data", "{data}", "--output", "{out}"]),
    "task1-large": (224, ["train", "--model", "task1-large", "--epochs", "1", "--data", "{data}", "--output", "{out}"]),
    "efficientnet-lite0": (224, ["finetune", "--backbone", "efficientnet-lite0", "--weights", "{weights}", "--image-size", "224", "--fine-tune-epochs", "1",
                                 "--epochs", "2", "--data", "{data}", "--output", "{out}"]),
    "efficientnetv2-b3": (224, ["finetune", "--backbone", "efficientnetv2-b3", "--weights", "{weights}", "--image-size", "224", "--fine-tune-epochs", "1",
                                "--epochs", "2", "--data", "{data}", "--output", "{out}"]),
}

V2B3_WEIGHTS_SCRIPT = """
import sys, torch, timm
from safetensors.torch import save_file
torch.manual_seed(0)
model = timm.create_model("tf_efficientnetv2_b3", pretrained=False)
# Random batch-norm scales and shifts, and running statistics measured on random images (a cumulative
# average over four batches): folding them into the convolutions is tested, and the activations stay at a
# sane scale through the 40 blocks, so that the probabilities are not all 0 and 1.
norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
with torch.no_grad():
    for norm in norms:
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.normal_(0, 0.1)
        norm.reset_running_stats()
        norm.momentum = None
    model.train()
    for _ in range(4):
        model(torch.rand(8, 3, 224, 224) * 2 - 1)
state = {k: v.contiguous() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
save_file(state, sys.argv[1])
"""


def run(arguments, **kwargs):
    result = subprocess.run(arguments, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, arguments))}\n{result.stderr}")
    return result.stdout


def tiny_data(work):
    """4 demo faces per class (symbolic links into Data/)."""
    folder = work / "data"
    for class_folder in sorted(p for p in (REPO / "Data").iterdir() if p.is_dir()):
        target = folder / class_folder.name
        target.mkdir(parents=True, exist_ok=True)
        for image in sorted(class_folder.iterdir())[:4]:
            link = target / image.name
            if not link.exists():
                link.symlink_to(image)
    return folder


def write_bmp(path, pixels):
    """A 24-bit bottom-up BMP of an [H, W, 3] uint8 RGB array (so no imaging library is needed)."""
    height, width, _ = pixels.shape
    row_bytes = (width * 3 + 3) // 4 * 4
    body = bytearray()
    for row in pixels[::-1]:
        line = row[:, ::-1].tobytes()  # BGR
        body += line + bytes(row_bytes - len(line))
    header = b"BM" + (54 + len(body)).to_bytes(4, "little") + bytes(4) + (54).to_bytes(4, "little")
    info = (40).to_bytes(4, "little") + width.to_bytes(4, "little") + height.to_bytes(4, "little", signed=True)
    info += (1).to_bytes(2, "little") + (24).to_bytes(2, "little") + bytes(4) + len(body).to_bytes(4, "little")
    info += bytes(16)
    path.write_bytes(header + info + bytes(body))


def source_images(work):
    """One demo face per class, up to three real photos from ../shared, and two random-noise images."""
    images = [sorted(p for p in d.iterdir())[10] for d in sorted((REPO / "Data").iterdir()) if d.is_dir()]
    photos = SHARED / "data" / "facial-pics"
    if photos.is_dir():
        images += sorted(photos.glob("*.jpg"))[:3]
    generator = np.random.default_rng(7)
    for index, (height, width) in enumerate([(93, 137), (250, 250)]):
        path = work / f"noise{index}.bmp"
        write_bmp(path, generator.integers(0, 256, size=(height, width, 3), dtype=np.uint8))
        images.append(path)
    return images


def read_ppm(path):
    data = path.read_bytes()
    magic, width, height, maxval, pixels = data.split(maxsplit=4)
    assert magic == b"P6" and maxval == b"255", path
    return np.frombuffer(pixels, dtype=np.uint8).reshape(int(height), int(width), 3)


def check(kind, emotion, work, data, images, onnxruntime):
    size, recipe = KINDS[kind]
    weights = ""
    if kind == "efficientnet-lite0":
        weights = SHARED / "backbones" / "efficientnet_lite0.safetensors"
        if not weights.exists():
            return f"skipped: {weights} is missing"
    if kind == "efficientnetv2-b3":
        weights = work / "efficientnetv2_b3_random.safetensors"
        if not weights.exists():
            made = subprocess.run([sys.executable, "-c", V2B3_WEIGHTS_SCRIPT, str(weights)], capture_output=True, text=True)
            if made.returncode != 0:
                return "skipped: random V2-B3 weights need torch, timm and safetensors: " + made.stderr.strip()[-200:]
    folder = work / "models" / kind
    run([emotion] + [a.format(data=data, out=folder, weights=weights) for a in recipe])
    onnx_file = work / f"{kind}.onnx"
    print("  " + run([emotion, "export", "--model", folder, "--format", "onnx", "--output", onnx_file]).strip())

    # The pixels the model sees, as PNG files at its input size (predict reads them without resizing), and
    # the same pixels as PPM for numpy.
    pixel_folder = work / "pixels" / str(size)
    pixel_folder.mkdir(parents=True, exist_ok=True)
    pngs = []
    for index, image in enumerate(images):
        png = pixel_folder / f"{index:02d}.png"
        if not png.exists():
            run([emotion, "decode", image, "--output", png, "--resize", f"{size}x{size}"])
            run([emotion, "decode", png, "--output", png.with_suffix(".ppm")])
        pngs.append(png)
    pixels = np.stack([read_ppm(p.with_suffix(".ppm")) for p in pngs]).astype(np.float32)

    config = json.loads((folder / "config.json").read_text())
    classes = config["class_names"]
    predicted = json.loads(run([emotion, "predict", "--model", folder, "--format", "json", "--top", str(len(classes))]
                               + pngs))
    by_file = {p["file"]: p for p in predicted["predictions"]}
    expected = np.zeros((len(pngs), len(classes)), dtype=np.float64)
    for row, png in enumerate(pngs):
        for entry in by_file[str(png)]["top"]:
            expected[row, entry["index"]] = entry["probability"]

    session = onnxruntime.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    metadata = session.get_modelmeta().custom_metadata_map
    assert json.loads(metadata["class_names"]) == classes, metadata
    tta = config["training"].get("recipe", {}).get("tta", "none")
    assert metadata["tta"] == tta, metadata
    (actual,) = session.run(["probabilities"], {"input": pixels})
    difference = float(np.abs(actual - expected).max())
    same_classes = bool((actual.argmax(1) == expected.argmax(1)).all())
    # How confident the model is: with every top probability near 1 a difference in the logits would not show.
    top = expected.max(1)
    return {"kind": kind, "scale": config["preprocessing"]["scale"], "tta": tta, "input": size, "images": len(pngs),
            "max_abs_difference": difference, "same_classes": same_classes,
            "top_probability_range": [float(top.min()), float(top.max())],
            "ok": difference <= TOLERANCE and same_classes}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_binary = REPO / ".build" / "release" / "emotion"
    if not default_binary.exists():
        default_binary = REPO / ".build" / "debug" / "emotion"
    parser.add_argument("--emotion", type=Path, default=default_binary)
    parser.add_argument("--work", type=Path, default=Path("/tmp/emotion-onnx-check"))
    parser.add_argument("--kinds", default=",".join(KINDS))
    arguments = parser.parse_args()
    try:
        import onnxruntime
    except ImportError:
        print("onnxruntime is not installed: skipping the ONNX check (pip install onnxruntime)")
        return 0
    if not arguments.emotion.exists():
        sys.exit(f"no emotion binary at {arguments.emotion}: build it with 'swift build -c release'")
    work = arguments.work
    work.mkdir(parents=True, exist_ok=True)
    data = tiny_data(work)
    images = source_images(work)
    results = []
    for kind in arguments.kinds.split(","):
        print(f"{kind}:")
        result = check(kind, str(arguments.emotion), work, data, images, onnxruntime)
        if isinstance(result, str):
            print("  " + result)
            continue
        print(f"  {result['images']} images, max |onnxruntime - emotion predict| = {result['max_abs_difference']:.2e}, "
              f"same classes: {result['same_classes']}")
        results.append(result)
    print(f"onnxruntime {onnxruntime.__version__}, numpy {np.__version__}")
    print("| model kind | input scale | TTA | input | images | top-class probability | max abs difference | same classes |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        low, high = r["top_probability_range"]
        print(f"| {r['kind']} | {r['scale']} | {r['tta']} | {r['input']}x{r['input']} | {r['images']} | {low:.3f} to {high:.3f} | "
              f"{r['max_abs_difference']:.1e} | {'yes' if r['same_classes'] else 'NO'} |")
    (work / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
