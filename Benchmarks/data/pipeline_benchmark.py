#!/usr/bin/env python3
"""The data-pipeline benchmark: peak memory and epoch time of `emotion` on large image folders.

For each data folder given (e.g. 2,000, 20,000 and 100,000 images made by make_face_variants.py) it runs
    emotion train --model task1-small --epochs 1      peak RSS, seconds per epoch
    emotion train --model task1-large --epochs 1      peak RSS, seconds per epoch
    emotion evaluate --subset all                     peak RSS, images per second
each as a child process whose own peak RSS is read with wait4. Then, on the first (smallest) folder, it
trains task1-small for --cache-epochs epochs twice, once with a cache that holds every image and once with
--cache-memory 0 (every image decoded every epoch), compares the epochs after the first, and checks that
the two saved models are byte-identical.

    python3 Benchmarks/data/pipeline_benchmark.py --emotion .build/release/emotion \
        --data /tmp/faces2k,/tmp/faces20k,/tmp/faces100k [--models task1-small,task1-large] [--json out.json]

Writes a Markdown table to stdout (and everything to --json). Record `lscpu` and the load with the figures.
"""
import argparse
import csv
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time


def run(command, cwd):
    """Runs `command`; returns (exit status, seconds, peak RSS in MB, stderr tail)."""
    start = time.time()
    with open(os.path.join(cwd, "stderr.log"), "w") as errors:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.time() - start
    with open(os.path.join(cwd, "stderr.log")) as errors:
        tail = errors.read()[-500:]
    return os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024, tail


def epoch_seconds(model_folder):
    with open(os.path.join(model_folder, "history.csv")) as handle:
        return [float(row["seconds"]) for row in csv.DictReader(handle)]


def count_images(folder):
    return sum(len(files) for _, _, files in os.walk(folder))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emotion", default=".build/release/emotion")
    parser.add_argument("--data", required=True, help="comma-separated class-folder data sets, smallest first")
    parser.add_argument("--models", default="task1-small,task1-large")
    parser.add_argument("--cache-epochs", type=int, default=3)
    parser.add_argument("--json")
    parser.add_argument("--no-cache-comparison", action="store_true",
                        help="only the memory runs (e.g. a larger folder after the comparison ran on a small one)")
    args = parser.parse_args()
    emotion = os.path.abspath(args.emotion)
    results = {"runs": [], "cache": None}
    work = tempfile.mkdtemp(prefix="emotion-pipeline-")

    for data in args.data.split(","):
        data = os.path.abspath(data)
        images = count_images(data)
        for model in args.models.split(","):
            output = os.path.join(work, f"{model}-{images}")
            status, seconds, rss, tail = run(
                [emotion, "train", "--model", model, "--data", data, "--epochs", "1", "--output", output], work)
            if status != 0:
                sys.exit(f"train {model} on {data} failed ({status}): {tail}")
            epoch = epoch_seconds(output)[0]
            results["runs"].append({"command": f"train --model {model}", "images": images, "peak_rss_mb": rss,
                                    "epoch_seconds": epoch, "total_seconds": seconds})
            print(f"train {model} on {images} images: peak RSS {rss:.0f} MB, epoch {epoch:.1f} s", file=sys.stderr)
        model_folder = os.path.join(work, f"{args.models.split(',')[0]}-{images}")
        status, seconds, rss, tail = run(
            [emotion, "evaluate", "--model", model_folder, "--data", data, "--subset", "all", "--format", "json"], work)
        if status != 0:
            sys.exit(f"evaluate on {data} failed ({status}): {tail}")
        results["runs"].append({"command": "evaluate --subset all", "images": images, "peak_rss_mb": rss,
                                "images_per_second": images / seconds, "total_seconds": seconds})
        print(f"evaluate on {images} images: peak RSS {rss:.0f} MB, {images / seconds:.0f} images/s", file=sys.stderr)

    if args.no_cache_comparison:
        print_table(results, args)
        return
    # Cached against decoded-every-epoch, on the smallest folder.
    data = os.path.abspath(args.data.split(",")[0])
    images = count_images(data)
    timings = {}
    for label, budget in (("cached", "100GB"), ("uncached", "0")):
        output = os.path.join(work, f"cache-{label}")
        status, _, rss, tail = run(
            [emotion, "train", "--model", "task1-small", "--data", data, "--epochs", str(args.cache_epochs),
             "--cache-memory", budget, "--output", output], work)
        if status != 0:
            sys.exit(f"train with --cache-memory {budget} failed ({status}): {tail}")
        later = epoch_seconds(output)[1:]
        timings[label] = {"later_epoch_seconds": sum(later) / len(later), "peak_rss_mb": rss}
    identical = filecmp.cmp(os.path.join(work, "cache-cached", "model.safetensors"),
                            os.path.join(work, "cache-uncached", "model.safetensors"), shallow=False)
    ratio = timings["uncached"]["later_epoch_seconds"] / timings["cached"]["later_epoch_seconds"]
    results["cache"] = {"images": images, **timings, "ratio": ratio, "weights_identical": identical}
    print_table(results, args)


def print_table(results, args):
    print("| command | images | peak RSS | epoch / throughput |")
    print("|---|---:|---:|---:|")
    for row in results["runs"]:
        speed = (f"{row['epoch_seconds']:.1f} s per epoch" if "epoch_seconds" in row
                 else f"{row['images_per_second']:.0f} images/s")
        print(f"| `{row['command']}` | {row['images']:,} | {row['peak_rss_mb']:,.0f} MB | {speed} |")
    cache = results["cache"]
    if cache:
        print()
        print(f"task1-small on {cache['images']:,} images, epochs 2-{args.cache_epochs}: "
              f"{cache['cached']['later_epoch_seconds']:.2f} s per epoch from the cache "
              f"({cache['cached']['peak_rss_mb']:.0f} MB peak), {cache['uncached']['later_epoch_seconds']:.2f} s "
              f"decoding every image ({cache['uncached']['peak_rss_mb']:.0f} MB peak): ratio {cache['ratio']:.2f}; "
              f"saved weights {'byte-identical' if cache['weights_identical'] else 'DIFFERENT'}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
