#!/usr/bin/env python3
"""Writes a grey copy of a class-folder data set: every photo as the PNG of its luminance (Pillow's "L",
ITU-R 601: 0.299 R + 0.587 G + 0.114 B), so a model can be evaluated without the colour of its photos.

    python3 Benchmarks/recipes/grayscale_copy.py /tmp/faces6-splits/validation /tmp/faces6-splits/validation-gray
    emotion evaluate --model MODEL --data /tmp/faces6-splits/validation-gray --subset all

faces6's classes differ in colour (disgust: 164 of 175 photos are small colour JPEGs, sad 122 of 215, the
other classes at most 22 of 210), so a model trained on it may take colour as evidence; comparing its
accuracy on a folder and on this copy measures how much. Needs Pillow. Unreadable files are reported and left
out.
"""
import os
import sys

from PIL import Image


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, target = sys.argv[1], sys.argv[2]
    written = 0
    for folder, _, files in sorted(os.walk(source, followlinks=True)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            out = os.path.join(target, os.path.relpath(folder, source), os.path.splitext(name)[0] + ".png")
            try:
                image = Image.open(path).convert("L")
            except OSError as error:
                print(f"skipping {path}: {error}", file=sys.stderr)
                continue
            os.makedirs(os.path.dirname(out), exist_ok=True)
            image.save(out)
            written += 1
    print(f"wrote {written} grey photos to {target}")


if __name__ == "__main__":
    main()
