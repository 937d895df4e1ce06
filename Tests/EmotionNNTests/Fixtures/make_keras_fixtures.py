#!/usr/bin/env python3
"""Makes the Keras references of EmotionNNTests (run once; the tests never need Python). Keras and torch
cannot share a process here, so this is apart from make_fixtures.py.

    /work/.venv-ref/bin/python Tests/EmotionNNTests/Fixtures/make_keras_fixtures.py

Made with Keras 3.15.1 on TensorFlow 2.21.0 (recorded in each file).

weighted_ce.safetensors  keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=s) called with
                         sample_weight = class_weight[label], which is what Model.fit(class_weight=...) does
                         (class_weight_to_sample_weights, then reduction "sum_over_batch_size": the weighted
                         sum divided by the batch size, not by the sum of the weights; the script asserts it).
                         Cases <name>.logits [6, 4] (rows 1 and 4 scaled by 40), .labels (as float),
                         .class_weights [4], .smoothing (scalar), .loss (scalar), .dlogits (tf.GradientTape).
cosine_decay.json        keras.optimizers.schedules.CosineDecay values at steps 0...N for a few settings.
"""
import json
import os

import numpy as np
import keras
import tensorflow as tf
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
META = {"generator": "Tests/EmotionNNTests/Fixtures/make_keras_fixtures.py", "keras": keras.__version__,
        "tensorflow": tf.__version__}
rng = np.random.default_rng(20261203)


def weighted_ce_case(name, class_weights, smoothing):
    logits = rng.normal(size=(6, 4)).astype(np.float32)
    logits[1] *= 40
    logits[4] *= 40
    labels = np.array([0, 3, 1, 1, 2, 3])
    weights = np.array(class_weights, dtype=np.float32)
    sample_weight = weights[labels]
    x = tf.Variable(logits)
    loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)
    with tf.GradientTape() as tape:
        loss = loss_fn(keras.ops.one_hot(labels, 4), x, sample_weight=sample_weight)
    gradient = tape.gradient(loss, x)
    per_row = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing, reduction=None)(
        keras.ops.one_hot(labels, 4), logits)
    assert np.isclose(float(loss), float(np.sum(per_row * sample_weight) / 6), rtol=1e-6), "not sum over batch size"
    return {f"{name}.logits": logits, f"{name}.labels": labels.astype(np.float32),
            f"{name}.class_weights": weights, f"{name}.smoothing": np.array(smoothing, np.float32),
            f"{name}.loss": np.array(float(loss), np.float32), f"{name}.dlogits": gradient.numpy()}


tensors = {}
tensors.update(weighted_ce_case("weighted", [0.5, 2.0, 1.25, 3.0], 0.0))
tensors.update(weighted_ce_case("smoothed", [1, 1, 1, 1], 0.1))
tensors.update(weighted_ce_case("weighted_smoothed", [0.5, 2.0, 1.25, 3.0], 0.2))
save_file(tensors, os.path.join(HERE, "weighted_ce.safetensors"), metadata=META)
print(f"weighted_ce.safetensors: {len(tensors)} tensors")

schedules = []
for settings, steps in [
    (dict(initial_learning_rate=0.0, decay_steps=90, warmup_target=1e-3, warmup_steps=10), 106),
    (dict(initial_learning_rate=1e-4, decay_steps=20, alpha=0.1, warmup_target=2e-3, warmup_steps=5), 30),
    (dict(initial_learning_rate=1e-3, decay_steps=50), 60),
]:
    schedule = keras.optimizers.schedules.CosineDecay(**settings)
    values = [float(schedule(step)) for step in range(steps)]
    schedules.append({"settings": settings, "values": values})
with open(os.path.join(HERE, "cosine_decay.json"), "w") as file:
    json.dump({"keras": keras.__version__, "schedules": schedules}, file, indent=1)
print(f"cosine_decay.json: {len(schedules)} schedules")
