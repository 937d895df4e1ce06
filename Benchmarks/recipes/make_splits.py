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
    train-people/, heldout-people/
                 the same by person: heldout-people/ holds every training file of people drawn at random
                 (seeded; a person is the file name without its trailing number) until about 15% of train/,
                 train-people/ the rest. Keras's split, and heldout/, are by file, so the same people are on
                 both sides of them; heldout-people/ measures photos of people no run has seen.

Standard library only.
"""
import argparse
import json
import os
import random
import re


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
    held_people = people_holdout(split["train"], args.holdout, rng)
    link(split["train"], args.faces6, os.path.join(args.output, "train"))
    link(split["val"], args.faces6, os.path.join(args.output, "validation"))
    link([f for f in split["train"] if f not in held], args.faces6, os.path.join(args.output, "train85"))
    link(sorted(held), args.faces6, os.path.join(args.output, "heldout"))
    link([f for f in split["train"] if f not in held_people], args.faces6, os.path.join(args.output, "train-people"))
    link(sorted(held_people), args.faces6, os.path.join(args.output, "heldout-people"))
    print(f"train {len(split['train'])}, validation {len(split['val'])}, "
          f"train85 {len(split['train']) - len(held)}, heldout {len(held)}, "
          f"train-people {len(split['train']) - len(held_people)}, heldout-people {len(held_people)} -> {args.output}")


def person(relative):
    """The person a faces6 file shows: its name without the trailing number (George_W_Bush_0012.jpg)."""
    return re.sub(r"_?\d+k?$", "", os.path.splitext(os.path.basename(relative))[0])


def people_holdout(train, share, rng):
    """Every training file of people drawn at random until about `share` of the files; a person who would
    overshoot the target by more than 10% of it is passed over."""
    by_person = {}
    for relative in train:
        by_person.setdefault(person(relative), []).append(relative)
    target = round(share * len(train))
    held = []
    for name in rng.sample(sorted(by_person), len(by_person)):
        if len(held) + len(by_person[name]) <= 1.1 * target:
            held += by_person[name]
        if len(held) >= target:
            break
    return set(held)


if __name__ == "__main__":
    main()
