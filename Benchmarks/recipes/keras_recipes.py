#!/usr/bin/env python3
"""The Keras reference recipes of issue 14 on the experiment folders (make_splits.py), for comparison with
emotion's recipes on the same training, validation and held-out files:

    keras-plain      the assignment's task1-small (unit-scaled input), Adam 1e-3, batch 32, 20 epochs
    keras-augmented  the same with RandomFlip("horizontal"), RandomRotation(0.05), RandomZoom(0.1),
                     RandomTranslation(0.1, 0.1), RandomContrast(0.2) in front, 60 epochs,
                     EarlyStopping(patience=15, restore_best_weights=True) on val_loss

    /work/.venv-ref/bin/python Benchmarks/recipes/keras_recipes.py --splits /tmp/faces6-splits \
        --recipes keras-plain,keras-augmented --seeds 1,2,3 --results results.jsonl

Made with Keras 3.15.1 on TensorFlow 2.21 (CPU) and scikit-learn 1.9.1. Appends one JSON line per run, in
run_recipes.py's format.
"""
import argparse
import json
import os
import time

import keras
import numpy as np

import protocols
from recipe_scores import scores


def dataset(folder, shuffle, seed):
    return keras.utils.image_dataset_from_directory(
        folder, image_size=(100, 100), batch_size=32, shuffle=shuffle, seed=seed, label_mode="int")


def model(augmented):
    layers = [keras.Input((100, 100, 3)), keras.layers.Rescaling(1 / 255)]
    if augmented:
        layers += [keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.05),
                   keras.layers.RandomZoom(0.1), keras.layers.RandomTranslation(0.1, 0.1),
                   keras.layers.RandomContrast(0.2)]
    layers += [
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2), keras.layers.Dropout(0.2),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(2), keras.layers.Dropout(0.3),
        keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"), keras.layers.Dropout(0.5),
        keras.layers.Dense(6, activation="softmax"),
    ]
    network = keras.Sequential(layers)
    network.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return network


def evaluated(network, data):
    truth, predicted = [], []
    for images, labels in data:
        truth += list(labels.numpy())
        predicted += list(np.argmax(network.predict(images, verbose=0), axis=1))
    return scores(truth, predicted)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", required=True)
    parser.add_argument("--recipes", default="keras-plain,keras-augmented")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--results", required=True)
    protocols.add_people_option(parser)
    args = parser.parse_args()
    train, held = protocols.folders(args.people)
    done = []
    if os.path.exists(args.results):
        with open(args.results) as handle:
            done = [json.loads(line) for line in handle if line.strip()]
    for name in args.recipes.split(","):
        augmented = name == "keras-augmented"
        for seed in [int(s) for s in args.seeds.split(",")]:
            if any(r["recipe"] == name and r["seed"] == seed and protocols.same_protocol(r, args.people)
                   for r in done):
                continue
            keras.utils.set_random_seed(seed)
            training = dataset(os.path.join(args.splits, train), True, seed)
            validation = dataset(os.path.join(args.splits, "validation"), False, seed)
            heldout = dataset(os.path.join(args.splits, held), False, seed)
            network = model(augmented)
            callbacks = [keras.callbacks.EarlyStopping(patience=15, restore_best_weights=True)] if augmented else []
            start = time.time()
            network.fit(training, validation_data=validation, epochs=60 if augmented else 20, callbacks=callbacks,
                        verbose=2)
            row = {"recipe": name, "seed": seed, "extra": [], "command": f"keras {name}", "seconds": time.time() - start,
                   "validation": evaluated(network, validation), "heldout": evaluated(network, heldout),
                   "load": os.getloadavg()[0], **protocols.mark(args.people)}
            with open(args.results, "a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(f"{name} seed {seed}: validation {row['validation']['accuracy']:.3f}, "
                  f"held-out {row['heldout']['accuracy']:.3f}", flush=True)


if __name__ == "__main__":
    main()
