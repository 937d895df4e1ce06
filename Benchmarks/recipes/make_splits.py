#!/usr/bin/env python3
"""Makes the folders the recipe experiments train, validate and test on, as symbolic links into faces6.

    python3 Benchmarks/recipes/make_splits.py --faces6 ../shared/data/faces6 \
        --split ../shared/data/faces6-keras-split-seed123.json --output /tmp/faces6-splits

Writes, each as class folders of links (no photo is copied):
    train/       Keras's 830 training files of faces6 (seed 123, validation split 0.2)
    validation/  Keras's 207 validation files: the files every recipe is compared on
    train85/     train/ without the held-out files: what the recipe experiments train on
    heldout/     15% of train/ (seeded, per class), never trained or tuned on: the check that choosing
                 epochs and recipes on validation/ did not flatter validation/

Standard library only.
"""
import argparse
import json
import os
import random


def link(files, faces6, folder):
    for relative in files:
        target = os.path.join(folder, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(os.path.abspath(os.path.join(faces6, relative)), target)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces6", required=True)
    parser.add_argument("--split", required=True, help="faces6-keras-split-seed123.json")
    parser.add_argument("--output", required=True)
    parser.add_argument("--holdout", type=float, default=0.15, help="share of each class's training files held out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with open(args.split) as handle:
        split = json.load(handle)
    if os.path.exists(args.output):
        raise SystemExit(f"{args.output} exists; remove it first")
    rng = random.Random(args.seed)
    held = []
    for name in split["class_names"]:
        files = sorted(f for f in split["train"] if f.split("/")[0] == name)
        rng.shuffle(files)
        held += files[: round(args.holdout * len(files))]
    held = set(held)
    link(split["train"], args.faces6, os.path.join(args.output, "train"))
    link(split["val"], args.faces6, os.path.join(args.output, "validation"))
    link([f for f in split["train"] if f not in held], args.faces6, os.path.join(args.output, "train85"))
    link(sorted(held), args.faces6, os.path.join(args.output, "heldout"))
    print(f"train {len(split['train'])}, validation {len(split['val'])}, "
          f"train85 {len(split['train']) - len(held)}, heldout {len(held)} -> {args.output}")


if __name__ == "__main__":
    main()
