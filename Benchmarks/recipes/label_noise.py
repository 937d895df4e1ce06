#!/usr/bin/env python3
"""How much of faces6's plateau is label noise: finds the training photos whose label the finetune defaults
disagree with, drops the least credible, and trains the defaults again on what is left.

    python3 Benchmarks/recipes/label_noise.py --emotion .build/release/emotion --splits /tmp/faces6-splits \
        --weights ../shared/backbones/efficientnet_lite0.safetensors --prune 41,83,124,166 --seeds 1,2,3 \
        --work /tmp/label-noise --results Benchmarks/recipes/label_noise.jsonl

1. Out-of-fold probabilities: splits/train (Keras's 830 training files of faces6) in five folds by file,
   stratified by class (fold seed --fold-seed); the defaults train on four and `predict` the fifth.
2. Suspect labels, as confident learning (Northcutt et al., 2021) finds them: a photo whose probability of some
   other class reaches that class's threshold (the mean probability the photos labelled with it get), ranked by
   the probability of its own label, lowest first.
3. For each K of --prune, the K most suspect photos are left out (a folder of links, train-cleanK), and the
   defaults train on it with each seed and are scored on splits/validation, in all and split into photos of
   people in the training files and of people who are not. K = 0 is the unpruned baseline; of its models the
   summary also counts the validation photos every seed gets wrong, and those whose label every seed doubts
   as step 2 doubts a training photo's.
Runs already in --results are skipped; the summary is printed at the end.
"""
import argparse
import collections
import json
import os
import random
import shutil
import statistics
import subprocess

from make_splits import link, person
from run_recipes import stat

FOLDS = 5  # of the out-of-fold predictions


def photos(folder):
    """Its files as paths relative to it (class/name), in order."""
    return [f"{c}/{f}" for c in sorted(os.listdir(folder)) for f in sorted(os.listdir(os.path.join(folder, c)))]


def link_folder(files, source, target):
    """target/ made afresh with links to source's files."""
    shutil.rmtree(target, ignore_errors=True)
    link(files, source, target)


def finetune(args, data, seed, output):
    with open(output + ".log", "w") as log:
        subprocess.run([args.emotion, "finetune", "--backbone", "efficientnet-lite0", "--weights", args.weights,
                        "--data", data, "--validation-data", os.path.join(args.splits, "validation"),
                        "--seed", str(seed), "--output", output], check=True, stdout=log, stderr=subprocess.STDOUT)


def predictions(args, model, folder):
    """{path relative to folder: {class: probability}}."""
    output = subprocess.run([args.emotion, "predict", "--model", model, "--format", "json", "--top", "6", folder],
                            check=True, capture_output=True, text=True).stdout
    return {os.path.relpath(p["file"], folder): {t["class"]: t["probability"] for t in p["top"]}
            for p in json.loads(output)["predictions"]}


def out_of_fold(args, train):
    """{class/name: {class: probability}} of every readable training photo, from the fold's model that did not
    train on it (a fold whose model exists is not trained again)."""
    store = os.path.join(args.work, "out-of-fold.json")
    probabilities = json.load(open(store)) if os.path.exists(store) else {}
    by_class = collections.defaultdict(list)
    for path in photos(train):
        by_class[path.split("/")[0]].append(path)
    rng = random.Random(args.fold_seed)
    fold_of = {}
    for files in by_class.values():
        rng.shuffle(files)
        fold_of.update({path: i % FOLDS for i, path in enumerate(files)})
    for k in range(FOLDS):
        folder = os.path.join(args.work, f"fold{k}")
        model, test = os.path.join(folder, "model"), os.path.join(folder, "test")
        held = [path for path, fold in fold_of.items() if fold == k]
        if not os.path.exists(os.path.join(model, "config.json")):
            link_folder([path for path, fold in fold_of.items() if fold != k], train, os.path.join(folder, "train"))
            link_folder(held, train, test)
            finetune(args, os.path.join(folder, "train"), args.fold_seed, model)
        # A file predict skips (faces6 has one WebP photo) stays missing; asking again costs seconds.
        if any(path not in probabilities for path in held):
            probabilities.update(predictions(args, model, test))
            with open(store, "w") as handle:
                json.dump(probabilities, handle)
    return probabilities


def thresholds(probabilities):
    """Each class's mean probability among the photos labelled with it."""
    classes = sorted({path.split("/")[0] for path in probabilities})
    return {c: statistics.mean(p[c] for path, p in probabilities.items() if path.startswith(c + "/")) for c in classes}


def doubted(path, p, threshold):
    """Whether a photo's probabilities reach another class's threshold before its own label's."""
    confident = [c for c in threshold if p[c] >= threshold[c]]
    return bool(confident) and max(confident, key=p.get) != path.split("/")[0]


def suspects(probabilities, threshold):
    """Confident learning's off-diagonal photos, least credible label first, and the out-of-fold accuracy."""
    found = sorted((p[path.split("/")[0]], path) for path, p in probabilities.items() if doubted(path, p, threshold))
    accuracy = statistics.mean(max(p, key=p.get) == path.split("/")[0] for path, p in probabilities.items())
    return [path for _, path in found], accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emotion", default=".build/release/emotion")
    parser.add_argument("--splits", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--prune", default="41,83,124,166", help="how many suspect photos to leave out, comma-separated")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--fold-seed", type=int, default=1, help="seed of the folds and of the out-of-fold runs")
    parser.add_argument("--work", default="/tmp/label-noise")
    parser.add_argument("--results", required=True)
    args = parser.parse_args()
    args.emotion, args.splits, args.weights = map(os.path.abspath, (args.emotion, args.splits, args.weights))
    os.makedirs(args.work, exist_ok=True)
    train = os.path.join(args.splits, "train")
    probabilities = out_of_fold(args, train)
    threshold = thresholds(probabilities)
    ranked, accuracy = suspects(probabilities, threshold)
    print(f"out-of-fold accuracy {accuracy:.3f}; {len(ranked)} suspect labels; the first 20:", *ranked[:20], sep="\n  ")
    results = [json.loads(line) for line in open(args.results)] if os.path.exists(args.results) else []
    validation = os.path.join(args.splits, "validation")
    for count in [0] + [int(k) for k in args.prune.split(",")]:
        data = train if count == 0 else os.path.join(args.work, f"train-clean{count}")
        if count:
            link_folder(sorted(set(photos(train)) - set(ranked[:count])), train, data)
        people = {person(path) for path in photos(data)}
        for seed in [int(s) for s in args.seeds.split(",")]:
            if any(r["pruned"] == count and r["seed"] == seed for r in results):
                continue
            model = os.path.join(args.work, "runs", f"clean{count}-s{seed}")
            os.makedirs(os.path.dirname(model), exist_ok=True)
            if not os.path.exists(os.path.join(model, "config.json")):
                finetune(args, data, seed, model)
            scored = predictions(args, model, validation)
            right = {path: max(p, key=p.get) == path.split("/")[0] for path, p in scored.items()}
            seen = [ok for path, ok in right.items() if person(path) in people]
            unseen = [ok for path, ok in right.items() if person(path) not in people]
            row = {"pruned": count, "seed": seed, "training_photos": len(photos(data)),
                   "validation": statistics.mean(right.values()), "seen_people": statistics.mean(seen),
                   "seen_count": len(seen), "new_people": statistics.mean(unseen), "new_count": len(unseen),
                   "wrong": sorted(path for path, ok in right.items() if not ok),
                   "doubted": sorted(path for path, p in scored.items() if doubted(path, p, threshold))}
            results.append(row)
            with open(args.results, "a") as handle:
                handle.write(json.dumps(row) + "\n")
    print("| photos left out | validation | people in the training files | new people |\n|---:|---:|---:|---:|")
    for count in sorted({r["pruned"] for r in results}):
        rows = [r for r in results if r["pruned"] == count]
        print("| " + " | ".join([str(count)] + [stat([r[key] for r in rows])
                                               for key in ("validation", "seen_people", "new_people")]) + " |")
    baseline = [r for r in results if r["pruned"] == 0]
    if baseline:
        wrong = set.intersection(*(set(r["wrong"]) for r in baseline))
        doubted_labels = set.intersection(*(set(r["doubted"]) for r in baseline))
        print(f"validation photos every unpruned model gets wrong: {len(wrong)}; whose label every one doubts as "
              f"the training labels were doubted: {len(doubted_labels)}")


if __name__ == "__main__":
    main()
