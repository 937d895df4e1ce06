#!/usr/bin/env python3
"""Makes the reference fixtures of EmotionTrainingTests (run once; the tests never need Python).

    python3 Tests/EmotionTrainingTests/Fixtures/make_fixtures.py

Made with numpy 2.4.6 and torch 2.15.0 (CPU).

mt19937.json  NumPy's legacy generator, the one Keras's image_dataset_from_directory shuffles with:
              the raw 32-bit MT19937 outputs of np.random.RandomState(seed) (drawn with
              randint(0, 2**32, dtype=np.uint32), which returns the raw words unmasked, and
              cross-checked against MT19937._legacy_seeding + random_raw), and the permutations
              np.random.RandomState(seed).shuffle(list(range(n))) gives.
resize.json   tf.image.resize(method="bilinear", antialias=False) (TensorFlow 2's default, half-pixel
              centres) reproduced in float32 numpy from TensorFlow's resize_bilinear kernel
              (compute_interpolation_weights with HalfPixelScaler, then compute_lerp), for small
              uint8 images down and up. TensorFlow itself is not installed here; the script checks
              that torch.nn.functional.interpolate(mode="bilinear", align_corners=False,
              antialias=False) agrees with it (it does, within float rounding, both ways).
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def mt19937_fixture():
    seeds = [0, 1, 123, 4294967295]
    indices = [0, 1, 2, 3, 622, 623, 624, 625, 1247, 1248, 1249]
    outputs = {}
    for seed in seeds:
        words = np.random.RandomState(seed).randint(0, 2**32, size=1250, dtype=np.uint32)
        bit_generator = np.random.MT19937()
        bit_generator._legacy_seeding(seed)
        raw = bit_generator.random_raw(1250)
        assert np.array_equal(words.astype(np.uint64), raw), "randint and random_raw disagree"
        outputs[str(seed)] = {str(i): int(words[i]) for i in indices}
    shuffles = []
    for seed, n in [(123, 2), (123, 10), (7, 100), (42, 257), (123, 1037)]:
        items = list(range(n))
        np.random.RandomState(seed).shuffle(items)
        shuffles.append({"seed": seed, "count": n, "permutation": items})
    return {
        "numpy": np.__version__,
        "outputs": outputs,
        "shuffles": shuffles,
    }


def tf_resize_bilinear(image, out_h, out_w):
    """TensorFlow's ResizeBilinear with half_pixel_centers=True, in float32 as its CPU kernel."""
    in_h, in_w, channels = image.shape

    def weights(out_size, in_size):
        scale = np.float32(in_size) / np.float32(out_size)
        lower, upper, lerp = [], [], []
        for i in range(out_size):
            position = (np.float32(i) + np.float32(0.5)) * scale - np.float32(0.5)
            floor = np.floor(position)
            lower.append(max(int(floor), 0))
            upper.append(min(int(np.ceil(position)), in_size - 1))
            lerp.append(np.float32(position - floor))
        return lower, upper, lerp

    ys = weights(out_h, in_h)
    xs = weights(out_w, in_w)
    pixels = image.astype(np.float32)
    out = np.zeros((out_h, out_w, channels), dtype=np.float32)
    for y in range(out_h):
        top_row, bottom_row, y_lerp = pixels[ys[0][y]], pixels[ys[1][y]], ys[2][y]
        for x in range(out_w):
            x_lerp = xs[2][x]
            top_left, top_right = top_row[xs[0][x]], top_row[xs[1][x]]
            bottom_left, bottom_right = bottom_row[xs[0][x]], bottom_row[xs[1][x]]
            top = top_left + (top_right - top_left) * x_lerp
            bottom = bottom_left + (bottom_right - bottom_left) * x_lerp
            out[y, x] = top + (bottom - top) * y_lerp
    return out


def resize_fixture():
    rng = np.random.RandomState(2024)
    cases = []
    for name, (h, w, c), (out_h, out_w) in [
        ("rgb down 9x13 to 4x5", (9, 13, 3), (4, 5)),
        ("grey down 35x35 to 10x10 (the faces6 ratio 3.5)", (35, 35, 1), (10, 10)),
        ("rgba up 3x4 to 7x10", (3, 4, 4), (7, 10)),
        ("rgb mixed 6x5 to 11x3", (6, 5, 3), (11, 3)),
    ]:
        image = rng.randint(0, 256, size=(h, w, c)).astype(np.uint8)
        expected = tf_resize_bilinear(image, out_h, out_w)
        # Models see three channels: grey repeated, alpha dropped (before or after resizing is equal).
        rgb = np.repeat(expected, 3, axis=2) if c == 1 else expected[:, :, :3]
        torch_in = torch.from_numpy(image.astype(np.float32)).permute(2, 0, 1)[None]
        torch_out = F.interpolate(torch_in, size=(out_h, out_w), mode="bilinear",
                                  align_corners=False, antialias=False)[0].permute(1, 2, 0).numpy()
        difference = float(np.abs(torch_out - expected).max())
        assert difference < 1e-4, f"{name}: torch differs from the TF formula by {difference}"
        print(f"{name}: torch vs TF formula max abs difference {difference:g}")
        cases.append({
            "name": name,
            "width": w, "height": h, "channels": c,
            "pixels": image.reshape(-1).tolist(),
            "outWidth": out_w, "outHeight": out_h,
            "expectedRGB": [round(float(v), 6) for v in rgb.reshape(-1)],
        })
    return {"what": "tf.image.resize bilinear, half-pixel centres, antialias=False, as float32 numpy",
            "cases": cases}


def write(name, payload):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    write("mt19937.json", mt19937_fixture())
    write("resize.json", resize_fixture())
