#!/usr/bin/env python3
"""Runs training recipes over several initialisation seeds and reports their accuracy on the validation
files and on held-out files never trained or tuned on (folders from make_splits.py).

    python3 Benchmarks/recipes/run_recipes.py --emotion .build/release/emotion --splits /tmp/faces6-splits \
        --weights ../shared/backbones/efficientnet_lite0.safetensors --recipes small-plain,small-standard \
        --seeds 1,2,3 --results Benchmarks/recipes/results.jsonl

Each run trains on splits/train85 with --validation-data splits/validation and --seed S (the split is the
folders', fixed), then `emotion evaluate` reports the saved model on validation/ and on heldout/. Every
finished run appends one JSON line to --results (runs already there are skipped, so an interrupted batch
resumes); the summary table (mean and standard deviation over the seeds) is printed at the end. One
validation image is 1/207 = 0.48 points, one held-out image 1/124 = 0.81 points. With --people the runs train
on train-people/ and are tested on heldout-people/ (125 photos of people absent from the training files);
with --people stratified on train-people-stratified/ and heldout-people-stratified/ (126 photos of people
absent from the training files, 15% of each class); with --people fold1 ... fold5 on one fold of the
cross-validation by person each, and the summary adds, over the seeds whose five folds have run (mean ±
standard deviation), how many of all the folds' held-out photos were right, the same without the single-person
fold and on it alone, and the folds' mean validation accuracy and held-out macro F1.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import protocols

# name -> (command, extra arguments); every run adds --data/--validation-data/--seed/--output.
RECIPES = {
    "small-plain": ("train", ["--model", "task1-small"]),
    "small-standard-60": ("train", ["--model", "task1-small", "--augment", "standard", "--epochs", "60",
                                    "--early-stopping", "15"]),
    "small-standard-balanced-60": ("train", ["--model", "task1-small", "--augment", "standard", "--epochs", "60",
                                             "--early-stopping", "15", "--class-weight", "balanced"]),
    # The preset `standard` was until 2026-12-03 20:40 UTC (Keras's usual strengths, plus brightness).
    "small-keras-strength-60": ("train", ["--model", "task1-small", "--augment",
                                          "flip,rotation=0.05,zoom=0.1,translation=0.1,contrast=0.2,brightness=0.1",
                                          "--epochs", "60", "--early-stopping", "15"]),
    "small-keras-strength-60-last": ("train", ["--model", "task1-small", "--augment",
                                               "flip,rotation=0.05,zoom=0.1,translation=0.1,contrast=0.2,brightness=0.1",
                                               "--epochs", "60", "--early-stopping", "15", "--keep", "last"]),
    "small-standard-60-mixup-0.2": ("train", ["--model", "task1-small", "--augment", "standard", "--epochs", "60",
                                              "--early-stopping", "15", "--mixup", "0.2"]),
    "small-standard-grayscale-60": ("train", ["--model", "task1-small", "--augment", "standard,grayscale=0.5", "--epochs",
                                              "60", "--early-stopping", "15"]),
    "small-standard-erasing-60": ("train", ["--model", "task1-small", "--augment", "standard,erasing=1", "--epochs",
                                            "60", "--early-stopping", "15"]),
    "small-standard-60-cosine": ("train", ["--model", "task1-small", "--augment", "standard", "--epochs", "60",
                                           "--early-stopping", "15", "--lr-schedule", "cosine", "--warmup-epochs", "2"]),
    "small-flip-60": ("train", ["--model", "task1-small", "--augment", "flip", "--epochs", "60",
                                "--early-stopping", "15"]),
    "small-balanced": ("train", ["--model", "task1-small", "--class-weight", "balanced"]),
    "small-smoothing": ("train", ["--model", "task1-small", "--label-smoothing", "0.1"]),
    "small-cosine": ("train", ["--model", "task1-small", "--lr-schedule", "cosine", "--warmup-epochs", "2"]),
    "small-decay": ("train", ["--model", "task1-small", "--weight-decay", "0.05"]),
    "small-best": ("train", ["--model", "task1-small", "--keep", "best"]),
    "large-plain": ("train", ["--model", "task1-large"]),
    # The binary's finetune defaults: `--augment flip` until 2026-12-04 19:56 UTC (lite0-default-balanced's results
    # until then), `--augment flip,grayscale=0.5` since (measured before the change as lite0-grayscale-0.5).
    "lite0-default": ("finetune", ["--backbone", "efficientnet-lite0"]),
    "lite0-standard": ("finetune", ["--backbone", "efficientnet-lite0", "--augment", "standard"]),
    "lite0-unfreeze-all": ("finetune", ["--backbone", "efficientnet-lite0", "--unfreeze", "all"]),
    "lite0-fine-tune-20": ("finetune", ["--backbone", "efficientnet-lite0", "--fine-tune-epochs", "20"]),
    "lite0-448": ("finetune", ["--backbone", "efficientnet-lite0", "--image-size", "448"]),
    "lite0-ft-rate-3e-4": ("finetune", ["--backbone", "efficientnet-lite0", "--fine-tune-learning-rate", "3e-4"]),
    "lite0-standard-8-views": ("finetune", ["--backbone", "efficientnet-lite0", "--augment", "standard",
                                            "--augment-views", "8"]),
    "lite0-ft-rate-5e-5": ("finetune", ["--backbone", "efficientnet-lite0", "--fine-tune-learning-rate", "5e-5"]),
    "lite0-unfreeze-9": ("finetune", ["--backbone", "efficientnet-lite0", "--unfreeze", "9"]),
    "lite0-batch-16": ("finetune", ["--backbone", "efficientnet-lite0", "--batch-size", "16"]),
    "lite0-weight-decay-0.05": ("finetune", ["--backbone", "efficientnet-lite0", "--weight-decay", "0.05"]),
    "lite0-300": ("finetune", ["--backbone", "efficientnet-lite0", "--image-size", "300"]),
    "lite0-224": ("finetune", ["--backbone", "efficientnet-lite0", "--image-size", "224"]),
    "lite0-224-unfreeze-all": ("finetune", ["--backbone", "efficientnet-lite0", "--image-size", "224", "--unfreeze", "all"]),
    "lite0-unfreeze-3": ("finetune", ["--backbone", "efficientnet-lite0", "--unfreeze", "3"]),
    "lite0-head-40": ("finetune", ["--backbone", "efficientnet-lite0", "--epochs", "40"]),
    "lite0-head-10": ("finetune", ["--backbone", "efficientnet-lite0", "--epochs", "10"]),
    "lite0-head-5": ("finetune", ["--backbone", "efficientnet-lite0", "--epochs", "5"]),
    "lite0-mixup-0.2": ("finetune", ["--backbone", "efficientnet-lite0", "--mixup", "0.2"]),
    "lite0-grayscale-0.5": ("finetune", ["--backbone", "efficientnet-lite0", "--augment", "flip,grayscale=0.5"]),
    "lite0-class-weight-none": ("finetune", ["--backbone", "efficientnet-lite0", "--class-weight", "none"]),
    "lite0-erasing-1": ("finetune", ["--backbone", "efficientnet-lite0", "--augment", "flip,grayscale=0.5,erasing=1"]),
    "lite0-smoothing-0.3": ("finetune", ["--backbone", "efficientnet-lite0", "--label-smoothing", "0.3"]),
    "lite0-gce-0.7": ("finetune", ["--backbone", "efficientnet-lite0", "--gce", "0.7"]),
    "lite0-gce-0.7-no-smoothing": ("finetune", ["--backbone", "efficientnet-lite0", "--gce", "0.7",
                                                "--label-smoothing", "0"]),
    "lite0-gce-0.4": ("finetune", ["--backbone", "efficientnet-lite0", "--gce", "0.4"]),
    "lite0-standard-grayscale": ("finetune", ["--backbone", "efficientnet-lite0", "--augment",
                                              "standard,grayscale=0.5"]),
    "lite0-grayscale-unfreeze-all": ("finetune", ["--backbone", "efficientnet-lite0", "--augment",
                                                  "flip,grayscale=0.5", "--unfreeze", "all"]),
    # timm_recipe.py's recipe: the defaults without what they add to it.
    "lite0-as-timm": ("finetune", ["--backbone", "efficientnet-lite0", "--augment", "flip", "--lr-schedule", "constant",
                                   "--label-smoothing", "0", "--class-weight", "none"]),
    "lite0-default-balanced": ("finetune", ["--backbone", "efficientnet-lite0", "--class-weight", "balanced"]),
    "lite0-350-top6": ("finetune", ["--backbone", "efficientnet-lite0", "--image-size", "350", "--unfreeze", "6",
                                    "--fine-tune-learning-rate", "1e-4"]),
    "lite0-350-top6-flip-cosine-smooth": ("finetune", ["--backbone", "efficientnet-lite0", "--image-size", "350",
                                                       "--unfreeze", "6", "--fine-tune-learning-rate", "1e-4",
                                                       "--augment", "flip", "--lr-schedule", "cosine",
                                                       "--label-smoothing", "0.1"]),
}


def run(command, cwd, log):
    with open(log, "w") as handle:
        status = subprocess.run(command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT).returncode
    if status != 0:
        with open(log) as handle:
            sys.exit(f"{' '.join(command)} failed ({status}):\n{handle.read()[-2000:]}")


def evaluate(emotion, model, data, work, tta=False):
    # Explicit either way: a model's own TTA (config.json) is evaluate's default.
    command = [emotion, "evaluate", "--model", model, "--format", "json", "--tta", "flip" if tta else "none"]
    if data:
        command += ["--data", data, "--subset", "all"]
    output = subprocess.run(command, cwd=work, capture_output=True, text=True, check=True).stdout
    report = json.loads(output)
    fear = next(c for c in report["per_class"] if c["class"] == "fear")
    return {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"],
            "balanced_accuracy": report["balanced_accuracy"], "fear_recall": fear["recall"], "count": report["count"]}


def stat(values):
    """Mean ± standard deviation of the values (a single value alone; none: empty)."""
    if not values:
        return ""
    mean = statistics.mean(values)
    return f"{mean:.3f} ± {statistics.stdev(values):.3f}" if len(values) > 1 else f"{mean:.3f}"


def summary(results, names):
    """Mean ± standard deviation over the seeds (or folds), per recipe and protocol (`protocols.label`)."""
    print("| recipe | data | runs | validation | validation, TTA | held-out | held-out, TTA | macro F1 (val) "
          "| fear recall (val) | minutes per run |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        for data in sorted({protocols.label(r) for r in results if r["recipe"] == name}):
            rows = [r for r in results if r["recipe"] == name and protocols.label(r) == data]
            def metric(key, field="accuracy"):
                return stat([r[key][field] for r in rows if key in r])
            print(f"| {name} | {data} | {len(rows)} | {metric('validation')} "
                  f"| {metric('validation_tta')} | {metric('heldout')} | {metric('heldout_tta')} "
                  f"| {metric('validation', 'macro_f1')} | {metric('validation', 'fear_recall')} "
                  f"| {statistics.mean([r['seconds'] for r in rows]) / 60:.1f} |")
    for name in names:
        by_seed = {}
        for r in results:
            if r["recipe"] == name and protocols.label(r) == protocols.CROSS_VALIDATION:
                by_seed.setdefault(r["seed"], []).append(r)
        # A seed counts once all its folds have run: every training photo predicted by a model blind to its person.
        seeds = {seed: folds for seed, folds in sorted(by_seed.items()) if len(folds) == protocols.FOLDS}
        if not seeds:
            continue
        figures = [cross_validation_figures(folds) for folds in seeds.values()]
        each = ", ".join(f"seed {seed} {f['correct']} of {f['total']}" for seed, f in zip(seeds, figures))
        fold = protocols.SINGLE_PERSON_FOLD
        print(f"{name}: all {protocols.FOLDS} folds' held-out photos pooled, "
              f"{stat([f['pooled'] for f in figures])} ({each}); without {fold} "
              f"{stat([f['others'] for f in figures])}; {fold} alone {stat([f['single'] for f in figures])}; "
              f"mean of the folds: validation {stat([f['validation'] for f in figures])}, "
              f"held-out macro F1 {stat([f['macro_f1'] for f in figures])}")


def cross_validation_figures(folds):
    """One seed's figures over its folds: the held-out photos right, pooled over all folds and over all but the
    single-person fold, that fold's accuracy, and the folds' mean validation accuracy and held-out macro F1."""
    def pooled(rows):
        correct = sum(round(r["heldout"]["accuracy"] * r["heldout"]["count"]) for r in rows)
        return correct, sum(r["heldout"]["count"] for r in rows)
    single = next(r for r in folds if r["people"] == protocols.SINGLE_PERSON_FOLD)
    correct, total = pooled(folds)
    others_correct, others_total = pooled([r for r in folds if r is not single])
    return {"correct": correct, "total": total, "pooled": correct / total, "others": others_correct / others_total,
            "single": single["heldout"]["accuracy"],
            "validation": statistics.mean(r["validation"]["accuracy"] for r in folds),
            "macro_f1": statistics.mean(r["heldout"]["macro_f1"] for r in folds)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emotion", default=".build/release/emotion")
    parser.add_argument("--splits", required=True)
    parser.add_argument("--weights", help="EfficientNet-Lite0 safetensors, for finetune recipes")
    parser.add_argument("--recipes", required=True, help="comma-separated names, or 'list'")
    parser.add_argument("--extra", default="", help="arguments added to every run (JSON list), e.g. '[\"--epochs\", \"5\"]'")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--results", required=True)
    parser.add_argument("--work", default="/tmp/emotion-recipes")
    parser.add_argument("--summary-only", action="store_true", help="print the table of --results, run nothing")
    protocols.add_people_option(parser)
    parser.add_argument("--full-data", help="train on this class folder with its default 80/20 split (split seed 123, "
                        "faces6's Keras split) instead of the split folders; reports validation only")
    args = parser.parse_args()
    if args.recipes == "list":
        for name, (command, extra) in RECIPES.items():
            print(f"{name}: emotion {command} {' '.join(extra)}")
        return
    emotion = os.path.abspath(args.emotion)
    splits = os.path.abspath(args.splits)
    os.makedirs(args.work, exist_ok=True)
    results = []
    if os.path.exists(args.results):
        with open(args.results) as handle:
            results = [json.loads(line) for line in handle if line.strip()]
    extra = json.loads(args.extra) if args.extra else []
    names = args.recipes.split(",")
    if args.summary_only:
        summary(results, names)
        return
    for name in names:
        command, arguments = RECIPES[name]
        for seed in [int(s) for s in args.seeds.split(",")]:
            if any(r["recipe"] == name and r["seed"] == seed and r["extra"] == extra
                   and r.get("full_data") == args.full_data and protocols.same_protocol(r, args.people)
                   for r in results):
                continue
            output = os.path.join(args.work, f"{name}-{seed}" + ("-full" if args.full_data else "")
                                  + (f"-{protocols.folders(args.people)[0]}" if args.people else ""))
            train, heldout = protocols.folders(args.people)
            data = (["--data", os.path.abspath(args.full_data), "--split-seed", "123"] if args.full_data else
                    ["--data", os.path.join(splits, train), "--validation-data", os.path.join(splits, "validation")])
            full = [emotion, command] + arguments + extra + data + ["--seed", str(seed), "--output", output]
            if command == "finetune":
                full += ["--weights", os.path.abspath(args.weights)]
            start = time.time()
            run(full, args.work, output + ".log")
            seconds = time.time() - start
            row = {"recipe": name, "seed": seed, "extra": extra, "command": " ".join(full[1:]), "seconds": seconds,
                   "validation": evaluate(emotion, output, None, args.work),
                   "validation_tta": evaluate(emotion, output, None, args.work, tta=True),
                   "load": os.getloadavg()[0]}
            if args.full_data:
                row["full_data"] = args.full_data
            else:
                row["heldout"] = evaluate(emotion, output, os.path.join(splits, heldout), args.work)
                row["heldout_tta"] = evaluate(emotion, output, os.path.join(splits, heldout), args.work, tta=True)
                row.update(protocols.mark(args.people))
            results.append(row)
            with open(args.results, "a") as handle:
                handle.write(json.dumps(row) + "\n")
            heldout = f"held-out {row['heldout']['accuracy']:.3f}" if "heldout" in row else "full data"
            print(f"{name} seed {seed}: validation {row['validation']['accuracy']:.3f}, {heldout} "
                  f"({seconds / 60:.1f} min)", file=sys.stderr)
    summary(results, names)


if __name__ == "__main__":
    main()
