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
    train-people-stratified/, heldout-people-stratified/
                 by person and by class: people are drawn for the class furthest from 15% of its training
                 files until every class has its share, so the held-out people carry each class (random
                 people gave 1 disgust photo: faces6's disgust is nearly all four actors).
    train-people-fold1..5/, heldout-people-fold1..5/
                 5-fold cross-validation by person: every training person is in one fold's heldout (people
                 from the largest down, each into the fold its classes fit best), so the five models
                 together predict every training photo without having seen its person.

Standard library only.
"""
import argparse
import json
import os
import random
import re

from protocols import FOLDERS, FOLDS


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
    held_out = {None: held, "random": people_holdout(split["train"], args.holdout, rng),
                "stratified": people_stratified_holdout(split["train"], args.holdout, rng),
                **{f"fold{k}": fold for k, fold in enumerate(people_folds(split["train"], FOLDS, rng), start=1)}}
    link(split["train"], args.faces6, os.path.join(args.output, "train"))
    link(split["val"], args.faces6, os.path.join(args.output, "validation"))
    for protocol, files in held_out.items():
        training_folder, held_out_folder = FOLDERS[protocol]
        link([f for f in split["train"] if f not in files], args.faces6, os.path.join(args.output, training_folder))
        link(sorted(files), args.faces6, os.path.join(args.output, held_out_folder))
        for name in split["class_names"]:  # a fold may lack a class (the first: no surprise); its folder stays
            os.makedirs(os.path.join(args.output, held_out_folder, name), exist_ok=True)
    print(f"train {len(split['train'])}, validation {len(split['val'])}, held out: "
          + ", ".join(f"{FOLDERS[protocol][1]} {len(files)}" for protocol, files in held_out.items())
          + f" -> {args.output}")


def person(relative):
    """The person a faces6 file shows: its name without the trailing number (George_W_Bush_0012.jpg)."""
    return re.sub(r"_?\d+k?$", "", os.path.splitext(os.path.basename(relative))[0])


def people_holdout(train, share, rng):
    """Every training file of people drawn at random until about `share` of the files; a person who would
    overshoot the target by more than 10% of it is passed over."""
    by_person = files_by_person(train)
    target = round(share * len(train))
    held = []
    for name in rng.sample(sorted(by_person), len(by_person)):
        if len(held) + len(by_person[name]) <= 1.1 * target:
            held += by_person[name]
        if len(held) >= target:
            break
    return set(held)


def class_counts(files, classes):
    return {c: sum(f.split("/")[0] == c for f in files) for c in classes}


def files_by_person(train):
    by_person = {}
    for relative in train:
        by_person.setdefault(person(relative), []).append(relative)
    return by_person


def people_stratified_holdout(train, share, rng):
    """Every training file of people drawn for the class furthest (relatively) from `share` of its files:
    at random among that class's people who overshoot no class by more than 10% of its target and one photo,
    else the one who overshoots least; until every class has its share or no one is left to draw for it."""
    by_person = files_by_person(train)
    classes = sorted({f.split("/")[0] for f in train})
    count = {name: class_counts(files, classes) for name, files in by_person.items()}
    target = {c: round(share * total) for c, total in class_counts(train, classes).items()}
    held_count = dict.fromkeys(classes, 0)
    remaining = rng.sample(sorted(by_person), len(by_person))
    held = []

    def overshoot(name):
        return sum(max(0, held_count[c] + count[name][c] - (1.1 * target[c] + 1)) for c in classes)

    while True:
        needy = [c for c in classes if held_count[c] < target[c] and any(count[p][c] for p in remaining)]
        if not needy:
            return set(held)
        neediest = max(needy, key=lambda c: (target[c] - held_count[c]) / target[c])
        candidates = [p for p in remaining if count[p][neediest]]
        chosen = next((p for p in candidates if overshoot(p) == 0), None) or min(candidates, key=overshoot)
        remaining.remove(chosen)
        held += by_person[chosen]
        for c in classes:
            held_count[c] += count[chosen][c]


def people_folds(train, count, rng):
    """`count` disjoint sets of people covering every training file. People in random order, then from the
    largest down (a stable sort), each join the fold where their photos overshoot the folds' per-class share
    least, the smallest fold on a tie (StratifiedGroupKFold's greedy idea)."""
    by_person = files_by_person(train)
    classes = sorted({f.split("/")[0] for f in train})
    share = {c: total / count for c, total in class_counts(train, classes).items()}
    folds = [{"files": [], "classes": dict.fromkeys(classes, 0)} for _ in range(count)]
    people = sorted(rng.sample(sorted(by_person), len(by_person)), key=lambda name: -len(by_person[name]))
    for name in people:
        photos = class_counts(by_person[name], classes)

        def cost(fold):
            return (sum(max(0.0, fold["classes"][c] + photos[c] - share[c]) for c in classes), len(fold["files"]))
        fold = min(folds, key=cost)
        fold["files"] += by_person[name]
        for c in classes:
            fold["classes"][c] += photos[c]
    return [set(fold["files"]) for fold in folds]


if __name__ == "__main__":
    main()
