#!/usr/bin/env python3
"""Makes the Keras and scikit-learn references of EmotionTrainingTests (run once; the tests never need Python).

    /work/.venv-ref/bin/python Tests/EmotionTrainingTests/Fixtures/make_callback_fixtures.py

Made with Keras 3.15.1 on TensorFlow 2.21.0 and scikit-learn 1.9.1 (recorded in each file).

callbacks.json  Keras's EarlyStopping and ReduceLROnPlateau callbacks driven by scripted metric curves (the
                callbacks attached to a compiled one-layer model, on_train_begin, then on_epoch_end(epoch, logs)
                per value, stopping when the callback sets model.stop_training as fit would). Per epoch:
                early stopping's best value, best epoch (0-based, as Keras counts), wait and whether training
                stops; the plateau callback's learning rate after the epoch, wait and cooldown counter.
metrics.json    sklearn.metrics f1_score(average="macro", zero_division=0) and balanced_accuracy_score on label
                lists, with classes absent from the truth or never predicted.
"""
import json
import os
import warnings

import numpy as np
import keras
import tensorflow as tf
import sklearn
from sklearn.metrics import balanced_accuracy_score, f1_score

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.filterwarnings("ignore")


def model_with(learning_rate):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.evaluate(np.zeros((2, 1)), np.zeros(2), verbose=0)  # builds the metrics "auto" mode looks up
    return model


def logs_for(monitor, value):
    logs = {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.0, "val_accuracy": 0.5}
    logs[monitor] = value
    return logs


def early_stopping_case(name, curve, **settings):
    model = model_with(1e-3)
    callback = keras.callbacks.EarlyStopping(**settings)
    callback.set_model(model)
    callback.on_train_begin()
    epochs = []
    for epoch, value in enumerate(curve):
        callback.on_epoch_end(epoch, logs_for(callback.monitor, value))
        epochs.append({"best": None if callback.best is None else float(callback.best),
                       "best_epoch": int(callback.best_epoch), "wait": int(callback.wait),
                       "stop": bool(model.stop_training)})
        if model.stop_training:
            break
    return {"name": name, "settings": settings, "curve": curve, "epochs": epochs}


def plateau_case(name, curve, learning_rate, **settings):
    model = model_with(learning_rate)
    callback = keras.callbacks.ReduceLROnPlateau(**settings)
    callback.set_model(model)
    callback.on_train_begin()
    epochs = []
    for epoch, value in enumerate(curve):
        callback.on_epoch_end(epoch, logs_for(callback.monitor, value))
        epochs.append({"learning_rate": float(model.optimizer.learning_rate), "wait": int(callback.wait),
                       "cooldown_counter": int(callback.cooldown_counter)})
    return {"name": name, "settings": settings, "initial_learning_rate": learning_rate, "curve": curve,
            "epochs": epochs}


loss_curve = [1.8, 1.5, 1.3, 1.31, 1.2, 1.25, 1.22, 1.21, 1.19, 1.2, 1.3, 1.4, 1.19, 1.1]
accuracy_curve = [0.30, 0.42, 0.45, 0.455, 0.47, 0.46, 0.47, 0.48, 0.50, 0.495, 0.52, 0.51, 0.515, 0.50]
early_stopping = [
    early_stopping_case("val_loss patience 3", loss_curve, monitor="val_loss", patience=3, restore_best_weights=True),
    early_stopping_case("val_loss patience 2 min_delta 0.02", loss_curve, monitor="val_loss", patience=2, min_delta=0.02),
    early_stopping_case("val_loss patience 0", loss_curve, monitor="val_loss", patience=0),
    early_stopping_case("val_accuracy patience 3 min_delta 0.01", accuracy_curve, monitor="val_accuracy",
                        patience=3, min_delta=0.01),
    early_stopping_case("val_accuracy patience 20", accuracy_curve, monitor="val_accuracy", patience=20),
    early_stopping_case("val_loss mode max", loss_curve, monitor="val_loss", mode="max", patience=4),
]
plateau = [
    plateau_case("val_loss factor 0.5 patience 2 cooldown 1 min_lr 0.02", loss_curve, 0.1, monitor="val_loss",
                 factor=0.5, patience=2, cooldown=1, min_lr=0.02),
    plateau_case("val_loss defaults patience 1", loss_curve, 1e-3, monitor="val_loss", patience=1),
    plateau_case("val_accuracy factor 0.2 patience 1 min_delta 0.01", accuracy_curve, 0.01,
                 monitor="val_accuracy", factor=0.2, patience=1, min_delta=0.01),
    plateau_case("val_accuracy mode min cooldown 2", accuracy_curve, 0.05, monitor="val_accuracy", mode="min",
                 factor=0.5, patience=2, cooldown=2),
]
with open(os.path.join(HERE, "callbacks.json"), "w") as file:
    json.dump({"keras": keras.__version__, "early_stopping": early_stopping, "plateau": plateau}, file, indent=1)
print(f"callbacks.json: {len(early_stopping)} early-stopping and {len(plateau)} plateau cases")

metric_cases = []
for name, classes, truth, predicted in [
    ("six classes", 6, [0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 4, 4, 5, 5, 5], [0, 0, 1, 1, 2, 2, 2, 0, 0, 3, 4, 5, 5, 5, 1]),
    ("a class never predicted", 4, [0, 1, 1, 2, 3, 3, 3], [0, 1, 0, 2, 2, 1, 0]),
    ("a class absent from the truth", 4, [0, 0, 1, 1, 2, 2], [0, 3, 1, 1, 2, 0]),
    ("a class absent from both", 5, [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0]),
]:
    metric_cases.append({"name": name, "classes": classes, "truth": truth, "predicted": predicted,
                         "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
                         "balanced_accuracy": float(balanced_accuracy_score(truth, predicted))})
with open(os.path.join(HERE, "metrics.json"), "w") as file:
    json.dump({"sklearn": sklearn.__version__, "cases": metric_cases}, file, indent=1)
print(f"metrics.json: {len(metric_cases)} cases")
