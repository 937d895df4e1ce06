#!/usr/bin/env python3
"""Makes augmentation.json: Keras 3 preprocessing layers applied to one small image with the random factor
pinned, the references of ImageAugmentationTests (run once; the tests never need Python).

    /work/.venv-ref/bin/python Tests/EmotionDataTests/Fixtures/make_augmentation_fixtures.py

Made with Keras 3.15.1 on the TensorFlow 2.21.0 backend (affine warps are TensorFlow's
ImageProjectiveTransformV3: bilinear, fill_mode "reflect", pixel-index coordinates). The image is 8x11x3
(height != width, so a swapped axis shows), integer values 0...255 as float32, the range our pipeline
augments in. Each case records the layer, the pinned draw in the units of our ops, and Keras's output:
  flip         RandomFlip("horizontal").transform_images with flips=True
  rotation     RandomRotation(factor=(f, f)): the angle is exactly f * 360 degrees (positive = counter-clockwise)
  zoom         RandomZoom(height_factor=(f, f)) (width_factor None: the same zoom on both axes; f > 0 zooms out)
  translation  RandomTranslation(height_factor=(fy, fy), width_factor=(fx, fx)) (positive = down / right)
  contrast     RandomContrast(0.5).transform_images with contrast_factor=c (Keras 3.15 cannot pin it through
               `factor`: its bounds make RandomContrast(f) draw from [1, 1 + f], not the documented
               [1 - f, 1 + f]; see `contrast_factor_range` below)
  brightness   RandomBrightness(factor=(f, f)): adds f * 255, clipped to [0, 255]
and `erasing_masks`: the pixels RandomErasing erases for a pinned box (x0, x1, y0, y1), from the layer's own
`_generate_batch_mask` (its fill is random noise, so the tests compare which pixels change).
"""
import json
import os

import numpy as np
import keras
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
HEIGHT, WIDTH, CHANNELS = 8, 11, 3

rng = np.random.default_rng(20261203)
image = rng.integers(0, 256, size=(HEIGHT, WIDTH, CHANNELS)).astype(np.float32)
batch = image[None]


def output(values):
    return [round(float(v), 5) for v in np.asarray(values, dtype=np.float32).reshape(-1)]


cases = []


def case(op, value, result):
    cases.append({"op": op, "value": value, "expected": output(result)})


flip = keras.layers.RandomFlip("horizontal")
case("flip", [1], flip.transform_images(batch, {"flips": np.ones((1, 1, 1, 1), bool), "input_shape": batch.shape}))

for f in [0.1, -0.03, 0.25]:
    case("rotation", [f], keras.layers.RandomRotation(factor=(f, f))(batch, training=True))

for f in [0.3, -0.25]:
    case("zoom", [f], keras.layers.RandomZoom(height_factor=(f, f))(batch, training=True))

for fy, fx in [(0.1, -0.2), (-0.3, 0.25)]:
    layer = keras.layers.RandomTranslation(height_factor=(fy, fy), width_factor=(fx, fx))
    case("translation", [fy, fx], layer(batch, training=True))

contrast = keras.layers.RandomContrast(0.5)
for c in [0.7, 1.3]:
    case("contrast", [c], contrast.transform_images(batch, {"contrast_factor": np.full((1, 1, 1, 1), c, np.float32)}))

for f in [0.1, -0.2]:
    case("brightness", [f], keras.layers.RandomBrightness(factor=(f, f))(batch, training=True))

erasing = keras.layers.RandomErasing()
erasing_masks = []
for box in [(2.3, 7.0, 1.0, 4.5), (0.0, 10.6, 5.5, 8.0), (4.2, 4.9, 3.0, 3.5)]:
    corners = tuple(np.array([v], np.float32) for v in box)
    mask = np.asarray(erasing._generate_batch_mask(batch.shape, corners))[0, :, :, 0]
    erasing_masks.append({"box": list(box), "mask": [int(v) for v in mask.reshape(-1)]})

fixture = {
    "keras": keras.__version__,
    "tensorflow": tf.__version__,
    "height": HEIGHT, "width": WIDTH, "channels": CHANNELS,
    "image": output(image),
    "contrast_factor_range": list(keras.layers.RandomContrast(0.2).factor),
    "cases": cases,
    "erasing_masks": erasing_masks,
}
with open(os.path.join(HERE, "augmentation.json"), "w") as file:
    json.dump(fixture, file, separators=(",", ":"))
print(f"augmentation.json: {len(cases)} cases")
