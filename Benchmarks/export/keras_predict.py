#!/usr/bin/env python3
"""The assignment's Keras model with an emotion task1-small/task1-large model's weights, and a check that
it predicts what `emotion predict` predicts.

    python3 Benchmarks/export/keras_predict.py MODEL_DIR IMAGE...                # Keras's probabilities
    python3 Benchmarks/export/keras_predict.py MODEL_DIR IMAGE... --compare BIN  # and emotion's, side by side

`load_emotion_model` is the README's snippet. Tensor names in model.safetensors are Keras's layer names
(`conv2d.kernel` HWIO, `dense.kernel` [in, out]) and Flatten is NHWC in both, so set_weights takes them as
they are. Pixels: RGB 0-255 resized with TensorFlow's bilinear resize (half-pixel centres, no antialias),
which is emotion's, then the model's input scale from config.json. Images are decoded by PIL here and by
emotion's own decoders there: PNGs give the same pixels, JPEGs may differ by a grey level here and there.

Needs keras 3 with the TensorFlow backend, safetensors and numpy (checked with keras 3.15, tensorflow
2.21, numpy 2.4). Do not import torch in the same process (the two abort together).
"""

import json
import subprocess
import sys

import keras
import numpy as np
from keras import layers
from safetensors.numpy import load_file


def load_emotion_model(folder):
    config = json.load(open(f"{folder}/config.json"))
    height, width, _ = config["input_shape"]
    model = keras.Sequential([
        keras.Input((height, width, 3)),
        layers.Conv2D(32, 3, activation="relu", name="conv2d"),
        layers.MaxPooling2D(2),
        layers.Dropout(0.2),
        layers.Conv2D(64, 3, activation="relu", name="conv2d_1"),
        layers.MaxPooling2D(2),
        layers.Dropout(0.3),
        layers.Flatten(),
        layers.Dense(128, activation="relu", name="dense"),
        layers.Dropout(0.5),
        layers.Dense(len(config["class_names"]), activation="softmax", name="dense_1"),
    ])
    weights = load_file(f"{folder}/model.safetensors")
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([weights[f"{layer.name}.kernel"], weights[f"{layer.name}.bias"]])
    return model, config


def keras_probabilities(folder, paths):
    model, config = load_emotion_model(folder)
    height, width, _ = config["input_shape"]
    scale = {"unit": 1 / 255, "raw": 1.0}[config["preprocessing"]["scale"]]
    images = [keras.utils.img_to_array(keras.utils.load_img(path, color_mode="rgb")) for path in paths]
    pixels = np.concatenate([keras.ops.image.resize(image[None], (height, width), interpolation="bilinear")
                             for image in images])
    return model.predict(pixels * scale, verbose=0), config["class_names"]


def emotion_probabilities(binary, folder, paths, classes):
    output = subprocess.run([binary, "predict", "--model", folder, "--format", "json", "--top", str(len(classes))]
                            + paths, capture_output=True, text=True, check=True).stdout
    by_file = {p["file"]: p for p in json.loads(output)["predictions"]}
    result = np.zeros((len(paths), len(classes)))
    for row, path in enumerate(paths):
        for entry in by_file[path]["top"]:
            result[row, entry["index"]] = entry["probability"]
    return result


def main():
    arguments = sys.argv[1:]
    binary = None
    if "--compare" in arguments:
        index = arguments.index("--compare")
        binary = arguments[index + 1]
        del arguments[index:index + 2]
    folder, paths = arguments[0], arguments[1:]
    probabilities, classes = keras_probabilities(folder, paths)
    if binary is None:
        for path, row in zip(paths, probabilities):
            print(path, classes[int(row.argmax())], " ".join(f"{c}={p:.4f}" for c, p in zip(classes, row)))
        return 0
    expected = emotion_probabilities(binary, folder, paths, classes)
    difference = np.abs(probabilities - expected).max(axis=1)
    for path, row, value in zip(paths, probabilities, difference):
        print(f"{path}: keras {classes[int(row.argmax())]} {row.max():.4f}, max |keras - emotion| = {value:.2e}")
    same = (probabilities.argmax(1) == expected.argmax(1)).all()
    print(f"keras {keras.__version__}: {len(paths)} images, max abs difference {difference.max():.2e}, "
          f"same classes: {bool(same)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
