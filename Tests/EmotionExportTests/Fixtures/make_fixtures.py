#!/usr/bin/env python3
"""Makes tiny.onnx: a small ONNX model serialised by the onnx package itself, so that the tests can check
that our protobuf writer produces the very same bytes for the same model, and that our reader reads them.

The model uses every construct `emotion export` writes: metadata_props, a doc string, opset 13 / IR 7, a
symbolic batch dimension, float32 initialisers as raw_data (a rank-0 scalar among them), INT and INTS
attributes (helper.make_node sorts attributes by name), and Mul, Transpose, Conv, Clip,
GlobalAveragePool, Flatten and Softmax nodes. It also checks the model with onnx.checker and runs it once
in onnxruntime.

Made with Python 3.11, onnx 1.23.2, numpy 2.4.6, onnxruntime 1.32.0:
    /work/.venv-ref/bin/python Tests/EmotionExportTests/Fixtures/make_fixtures.py
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

here = Path(__file__).resolve().parent

# The same values the Swift test builds: weight[i] = i / 10 - 2 (OIHW [2, 3, 3, 3]), bias [0.5, -0.25].
weight = (np.arange(54, dtype=np.float32) / 10 - 2).reshape(2, 3, 3, 3)
bias = np.array([0.5, -0.25], dtype=np.float32)


def tensor(name, array):
    return helper.make_tensor(name, TensorProto.FLOAT, list(array.shape), array.tobytes(), raw=True)


nodes = [
    helper.make_node("Mul", ["input", "preprocessing.multiplier"], ["preprocessing/Mul"], name="preprocessing/Mul"),
    helper.make_node("Transpose", ["preprocessing/Mul"], ["preprocessing/Transpose"], name="preprocessing/Transpose",
                     perm=[0, 3, 1, 2]),
    helper.make_node("Conv", ["preprocessing/Transpose", "conv.weight", "conv.bias"], ["conv/Conv"], name="conv/Conv",
                     kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1]),
    helper.make_node("Clip", ["conv/Conv", "relu6.min", "relu6.max"], ["conv/Clip"], name="conv/Clip"),
    helper.make_node("GlobalAveragePool", ["conv/Clip"], ["pool/GlobalAveragePool"], name="pool/GlobalAveragePool"),
    helper.make_node("Flatten", ["pool/GlobalAveragePool"], ["pool/Flatten"], name="pool/Flatten", axis=1),
    helper.make_node("Softmax", ["pool/Flatten"], ["probabilities"], name="output/Softmax", axis=1),
]
graph = helper.make_graph(
    nodes, "tiny",
    inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 4, 4, 3])],
    outputs=[helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])],
    initializer=[
        tensor("preprocessing.multiplier", np.array(1 / 255, dtype=np.float32)),
        tensor("conv.weight", weight), tensor("conv.bias", bias),
        tensor("relu6.min", np.array(0, dtype=np.float32)), tensor("relu6.max", np.array(6, dtype=np.float32)),
    ])
model = helper.make_model(graph, producer_name="emotion", producer_version="0.1.0", ir_version=7,
                          opset_imports=[helper.make_opsetid("", 13)])
model.doc_string = "a tiny test model"
helper.set_model_props(model, {"class_names": '["a","b"]', "architecture": "tiny"})
onnx.checker.check_model(model, full_check=True)
(here / "tiny.onnx").write_bytes(model.SerializeToString())

try:
    import onnxruntime
    session = onnxruntime.InferenceSession(str(here / "tiny.onnx"), providers=["CPUExecutionProvider"])
    pixels = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3) * 5 % 256
    print("onnxruntime:", session.run(None, {"input": pixels})[0].tolist())
except ImportError:
    pass
print("wrote", here / "tiny.onnx")
