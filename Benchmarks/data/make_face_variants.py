#!/usr/bin/env python3
"""Writes a large class-folder data set made of variants of a small one, for the data-pipeline benchmark.

Each output image is one source photo, randomly cropped (80-100% of its side, anywhere), resized to a
random side of 160-400 pixels, mirrored half the time, tinted into colour a third of the time (most
faces6 photos are grey), and re-encoded as JPEG (quality 70-95) or, one time in ten, PNG. The result has
the size distribution and decoding cost of real face crops, with as many files as asked for. Seeded: the
same arguments write the same bytes.

    python3 Benchmarks/data/make_face_variants.py --source ../shared/data/faces6 --count 20000 --output /tmp/faces20k

Needs Pillow (pip install pillow). Made with Pillow 13.0.0.
"""
import argparse
import os
import random

from PIL import Image, ImageOps


def sources(root):
    """(class name, path) of every image under the class folders of `root`, sorted."""
    found = []
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder) or name.startswith("."):
            continue
        for file in sorted(os.listdir(folder)):
            if file.lower().endswith((".jpg", ".jpeg", ".png", ".bmp", ".gif")):
                found.append((name, os.path.join(folder, file)))
    return found


def variant(image, rng):
    side = min(image.size)
    crop = int(side * rng.uniform(0.8, 1.0))
    left = rng.randint(0, image.size[0] - crop)
    top = rng.randint(0, image.size[1] - crop)
    image = image.crop((left, top, left + crop, top + crop))
    size = rng.randint(160, 400)
    image = image.resize((size, size), Image.BILINEAR)
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    if rng.random() < 1 / 3:
        grey = image.convert("L")
        tint = tuple(rng.randint(160, 255) for _ in range(3))
        image = ImageOps.colorize(grey, black=(0, 0, 0), white=tint)
    return image


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, help="class-folder data set to draw from")
    parser.add_argument("--count", type=int, required=True, help="images to write")
    parser.add_argument("--output", required=True, help="folder to write the class folders into")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pool = []
    for label, path in sources(args.source):
        try:
            with Image.open(path) as opened:
                pool.append((label, opened.convert("RGB") if opened.mode not in ("L", "RGB") else opened.copy()))
        except OSError:
            pass  # a source that Pillow cannot read (faces6 has a WebP named .jpg that it can; others may not)
    for label, _ in pool:
        os.makedirs(os.path.join(args.output, label), exist_ok=True)
    for index in range(args.count):
        label, image = pool[index % len(pool)]
        picture = variant(image, rng)
        stem = os.path.join(args.output, label, f"{index:06d}")
        if rng.random() < 0.1:
            picture.save(stem + ".png", optimize=False)
        else:
            picture.save(stem + ".jpg", quality=rng.randint(70, 95))
    print(f"wrote {args.count} images from {len(pool)} sources to {args.output}")


if __name__ == "__main__":
    main()
