#!/usr/bin/env python3
"""Side-by-side training-step benchmark: emotion vs Keras vs PyTorch, in one run, same machine.

Each side runs in its own child process (so its peak RSS is its own) with the same model, batch size and
thread count, on random data:
  - emotion: `emotion bench --model M --batch-size B --steps N --format json` (the built binary)
  - Keras 3 (TensorFlow backend): the assignment's Sequential model, Adam, `train_on_batch`
  - PyTorch: the same network, channels-last, Adam, one optimizer step per batch
It also measures the machine's single-precision matmul peak (a large torch or numpy matmul) so kernel
efficiency can be stated as a percentage. Sides whose framework is not installed are skipped.

Backbone models (efficientnet-lite0, efficientnetv2-b3) compare emotion with PyTorch + timm only
(`tf_efficientnet_lite0` / `tf_efficientnetv2_b3`, pretrained=False, channels-last, the same head):
feature-extraction images/s (eval, no_grad), the head step on cached features, and the full fine-tune
step (everything trainable, BN in training mode, Adam).

The pseudo-model `sgemm` runs `emotion bench --model sgemm` (n x n x n products, n = 512, 1024, 2048) and
states its GFLOP/s as a percentage of the matmul peak measured in the same run. emotion's rows name the
kernel variant that ran (vector width) and the target CPU it was built for. `--emotion-variants avx512,avx2`
runs emotion once per kernel variant (rows `emotion-avx512`, `emotion-avx2`), so the vector widths are
compared in the same run as the frameworks.

Usage:  python3 Benchmarks/compare_frameworks.py [--models task1-small,task1-large] [--steps 20]
            [--batch-size 32] [--threads 2] [--emotion .build/release/emotion] [--json out.json]
            [--emotion-variants avx512,avx2]
        python3 Benchmarks/compare_frameworks.py --models efficientnet-lite0,efficientnetv2-b3 --steps 3
            [--image-size 224]
        python3 Benchmarks/compare_frameworks.py --models sgemm
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

SIDES = ("emotion", "keras", "pytorch")
INPUT = {"task1-small": 100, "task1-large": 224}
CLASSES = 6
# emotion backbone name -> timm architecture (the one whose padding and BN epsilon our backbones follow).
BACKBONES = {"efficientnet-lite0": "tf_efficientnet_lite0", "efficientnetv2-b3": "tf_efficientnetv2_b3"}


def train_flops_per_image(size):
    """Forward + backward FLOPs of one training example (multiply-add = 2 FLOPs).

    Backward costs two forward passes (input and weight gradients), except that the first layer needs
    no input gradient. Must match `emotion bench`'s count."""
    conv1 = (size - 2) ** 2 * 32 * 3 * 3 * 3 * 2
    p1 = (size - 2) // 2
    conv2 = (p1 - 2) ** 2 * 64 * 3 * 3 * 32 * 2
    p2 = (p1 - 2) // 2
    dense1 = p2 * p2 * 64 * 128 * 2
    dense2 = 128 * CLASSES * 2
    return conv1 * 2 + (conv2 + dense1 + dense2) * 3


def run_child(args_list):
    """Runs a child; returns (its JSON result, None) or (None, why it failed). Each child reports its own
    peak RSS, so the figures never mix the sides. The 1-minute load average at the child's end is added to
    its result: on a shared machine it says how far to trust the figure."""
    proc = subprocess.Popen(args_list, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    if proc.returncode != 0:
        return None, (err.strip().splitlines() or ["exit %d" % proc.returncode])[-1]
    try:
        result = json.loads(out)  # `emotion bench --format json` prints one pretty-printed object
    except ValueError:
        lines = [l for l in out.strip().splitlines() if l.startswith("{")]
        if not lines:
            return None, "no JSON from child"
        result = json.loads(lines[-1])
    result["load_avg_1m"] = os.getloadavg()[0]
    return result, None


def emotion_version(binary):
    try:
        lines = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip().splitlines()
        return lines[0] if lines else ""  # the further lines name the detected kernels, which kernels_note states per row
    except OSError:
        return ""


def machine_description():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), model)
    except OSError:
        pass
    return "%s, %d cores" % (model, os.cpu_count())


# ---------------------------------------------------------------- workers (run in child processes)

def timed_steps(step, steps, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def rss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_keras(model_name, batch, steps, threads):
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras
    from keras import layers
    size = INPUT[model_name]
    model = keras.Sequential([
        keras.Input((size, size, 3)),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2), layers.Dropout(0.2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Dropout(0.3),
        layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dropout(0.5),
        layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.rand(batch, size, size, 3).astype("float32")
    y = np.random.randint(0, CLASSES, size=(batch,))
    step_ms = timed_steps(lambda: model.train_on_batch(x, y), steps, warmup=3)
    infer_ms = timed_steps(lambda: model.predict_on_batch(x), steps, warmup=2)
    return {"train_step_ms_median": step_ms, "inference_images_per_s": batch / infer_ms * 1000.0,
            "peak_rss_mb": rss_mb(), "version": "keras %s / tensorflow %s" % (keras.__version__, tf.__version__)}


def worker_pytorch(model_name, batch, steps, threads):
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    size = INPUT[model_name]
    p2 = ((size - 2) // 2 - 2) // 2
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.3),
        nn.Flatten(), nn.Linear(64 * p2 * p2, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, CLASSES),
    ).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 3, size, size).to(memory_format=torch.channels_last)
    y = torch.randint(0, CLASSES, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    step_ms = timed_steps(step, steps, warmup=3)
    model.eval()

    def infer():
        with torch.no_grad():
            torch.softmax(model(x), dim=1)

    infer_ms = timed_steps(infer, steps, warmup=2)
    return {"train_step_ms_median": step_ms, "inference_images_per_s": batch / infer_ms * 1000.0,
            "peak_rss_mb": rss_mb(), "version": "torch %s" % torch.__version__}


def worker_pytorch_backbone(model_name, batch, steps, threads, image_size):
    """The backbone side of `emotion bench --model efficientnet-*`: timm backbone (random weights) + the
    assignment's head, channels-last, Adam; the three speeds emotion reports."""
    import timm
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    backbone = timm.create_model(BACKBONES[model_name], pretrained=False, num_classes=0)  # pooled features
    backbone = backbone.to(memory_format=torch.channels_last)
    head = nn.Sequential(nn.Linear(backbone.num_features, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, CLASSES))
    loss_fn = nn.CrossEntropyLoss()
    x = (torch.rand(batch, 3, image_size, image_size) * 2 - 1).to(memory_format=torch.channels_last)
    y = torch.randint(0, CLASSES, (batch,))
    warmup = 1

    backbone.eval()
    features = None

    def extract():
        nonlocal features
        with torch.no_grad():
            features = backbone(x)

    feature_ms = timed_steps(extract, steps, warmup)
    head_opt = torch.optim.Adam(head.parameters(), lr=1e-3, eps=1e-7)

    def head_step():
        head_opt.zero_grad(set_to_none=True)
        loss_fn(head(features), y).backward()
        head_opt.step()

    head_ms = timed_steps(head_step, max(steps, 10), warmup)
    model = nn.Sequential(backbone, head).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def finetune_step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    finetune_ms = timed_steps(finetune_step, steps, warmup)
    return {"feature_images_per_s": batch / feature_ms * 1000.0, "head_step_ms_median": head_ms,
            "finetune_step_ms_median": finetune_ms, "peak_rss_mb": rss_mb(),
            "version": "torch %s / timm %s %s" % (torch.__version__, timm.__version__, BACKBONES[model_name])}


def worker_peak(threads):
    """Single-precision matmul peak: the best of a few large square products, with torch and with numpy
    (each BLAS has machines it tunes worse for, e.g. torch's on AMD CPUs), whichever is faster."""
    n = 4096
    candidates = []
    try:
        import torch
        torch.set_num_threads(threads)
        a, b = torch.rand(n, n), torch.rand(n, n)
        candidates.append(((lambda: a @ b), "torch %s" % torch.__version__))
    except ImportError:
        pass
    try:
        import numpy as np
        x, y = np.random.rand(n, n).astype("float32"), np.random.rand(n, n).astype("float32")
        candidates.append(((lambda: x @ y), "numpy %s" % np.__version__))
    except ImportError:
        pass
    measured = []
    for mm, what in candidates:
        mm()
        best = min(timed_single(mm) for _ in range(5))
        measured.append((2.0 * n ** 3 / best / 1e9, what))
    peak, what = max(measured)
    others = ", ".join("%s %.0f" % (w, g) for g, w in measured if w != what)
    return {"peak_gflops": peak, "measured_with": what + (" (also: %s)" % others if others else "")}


def timed_single(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# ---------------------------------------------------------------- driver

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="task1-small,task1-large")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--image-size", type=int, default=224, help="input side of the backbone models")
    parser.add_argument("--emotion", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "emotion"))
    parser.add_argument("--sides", default=",".join(SIDES))
    parser.add_argument("--emotion-variants", default="",
                        help="kernel variants emotion runs, one row each (default: the one it detects)")
    parser.add_argument("--json", help="also write all results to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        env_threads = str(args.threads)
        os.environ.setdefault("OMP_NUM_THREADS", env_threads)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", env_threads)
        if args.worker == "peak":
            result = worker_peak(args.threads)
        elif args.worker == "keras":
            result = worker_keras(args.model, args.batch_size, args.steps, args.threads)
        elif args.worker == "pytorch-backbone":
            result = worker_pytorch_backbone(args.model, args.batch_size, args.steps, args.threads, args.image_size)
        else:
            result = worker_pytorch(args.model, args.batch_size, args.steps, args.threads)
        print(json.dumps(result))
        return

    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
    os.environ.update(env)
    me = [sys.executable, os.path.abspath(__file__)]
    peak, why = run_child(me + ["--worker", "peak", "--threads", str(args.threads)])
    peak_gflops = peak["peak_gflops"] if peak else None
    machine = machine_description()
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print("%s; machine: %s, threads used %d; matmul peak %s" % (
        date, machine, args.threads,
        "%.0f GFLOP/s (%s, load %.1f)" % (peak_gflops, peak["measured_with"], peak["load_avg_1m"]) if peak
        else "not measured (%s)" % why))

    results = {"date": date, "machine": machine, "threads": args.threads, "batch_size": args.batch_size,
               "steps": args.steps, "peak_gflops": peak_gflops, "models": {}}
    sides = [s for s in args.sides.split(",") if s]
    for model_name in args.models.split(","):
        if model_name == "sgemm":
            results["models"][model_name] = {}
            for row_name, extra in emotion_rows(args):
                result, why = run_child([args.emotion, "bench", "--model", "sgemm", "--threads", str(args.threads),
                                         "--format", "json"] + extra) if os.path.exists(args.emotion) else (None, "no binary")
                print_sgemm(result, why, peak_gflops)
                results["models"][model_name][row_name] = result if result else {"skipped": why}
            continue
        if model_name in BACKBONES:
            rows = compare_backbone(model_name, args, sides, me)
            print_backbone_table(model_name, args.image_size, rows)
            results["models"][model_name] = {side: (r if r else {"skipped": why}) for side, (r, why) in rows.items()}
            continue
        flops = train_flops_per_image(INPUT[model_name]) * args.batch_size
        rows = {}
        for side in sides:
            if side == "emotion":
                for row_name, extra in emotion_rows(args):
                    cmd, why = emotion_bench_command(args, model_name, extra)
                    rows[row_name] = run_child(cmd) if cmd else (None, why)
                    if rows[row_name][0]:
                        check_flop_count(rows[row_name][0], flops)
                        rows[row_name][0]["version"] = emotion_version(args.emotion)
                continue
            module = "tensorflow" if side == "keras" else "torch"
            if importlib.util.find_spec(module) is None:
                rows[side] = (None, "%s not installed" % module)
                continue
            cmd = me + ["--worker", side, "--model", model_name, "--batch-size", str(args.batch_size),
                        "--steps", str(args.steps), "--threads", str(args.threads)]
            rows[side] = run_child(cmd)
        print_table(model_name, rows, flops, peak_gflops)
        results["models"][model_name] = {side: (r if r else {"skipped": why}) for side, (r, why) in rows.items()}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


def emotion_rows(args):
    """(row name, extra `emotion bench` arguments) per kernel variant asked for; one detected row by default."""
    variants = [v for v in args.emotion_variants.split(",") if v]
    if not variants:
        return [("emotion", [])]
    return [("emotion-" + v, ["--variant", v]) for v in variants]


def emotion_bench_command(args, model_name, extra=()):
    """The `emotion bench --format json` command line for one model, or (None, why) without a binary."""
    if not os.path.exists(args.emotion):
        return None, "binary not found at %s (swift build -c release)" % args.emotion
    return [args.emotion, "bench", "--model", model_name, "--batch-size", str(args.batch_size),
            "--steps", str(args.steps), "--threads", str(args.threads), "--format", "json"] + list(extra), None


def compare_backbone(model_name, args, sides, me):
    """emotion and PyTorch + timm (Keras is not run for the backbones) on one backbone model."""
    rows = {}
    for side in sides:
        if side == "emotion":
            for row_name, extra in emotion_rows(args):
                cmd, why = emotion_bench_command(args, model_name, ["--image-size", str(args.image_size)] + extra)
                rows[row_name] = run_child(cmd) if cmd else (None, why)
                if rows[row_name][0]:
                    rows[row_name][0]["version"] = emotion_version(args.emotion)
            continue
        elif side == "pytorch":
            missing = [m for m in ("torch", "timm") if importlib.util.find_spec(m) is None]
            if missing:
                rows[side] = (None, "%s not installed" % " and ".join(missing))
                continue
            cmd = me + ["--worker", "pytorch-backbone", "--model", model_name, "--batch-size", str(args.batch_size),
                        "--image-size", str(args.image_size), "--steps", str(args.steps), "--threads", str(args.threads)]
        else:
            continue
        rows[side] = run_child(cmd)
    return rows


def print_backbone_table(model_name, image_size, rows):
    print("\n%s + head, %dx%d" % (model_name, image_size, image_size))
    print("%-15s %16s %8s %14s %8s %18s %8s %10s %6s  %s" % (
        "side", "feature img/s", "ratio", "head ms/step", "ratio", "fine-tune ms/step", "ratio", "RSS MB", "load",
        "notes"))
    reference = rows.get("pytorch", (None, None))[0]

    def ratio(r, key, higher_is_better):
        if not reference or not reference.get(key):
            return "-"
        return "%.2f" % ((reference[key] / r[key]) if higher_is_better else (r[key] / reference[key]))

    for side, (r, why) in rows.items():
        if r is None:
            print("%-15s %s" % (side, "skipped: " + why))
            continue
        print("%-15s %16.1f %8s %14.1f %8s %18.1f %8s %10.0f %6.1f  %s" % (
            side, r["feature_images_per_s"], ratio(r, "feature_images_per_s", True),
            r["head_step_ms_median"], ratio(r, "head_step_ms_median", False),
            r["finetune_step_ms_median"], ratio(r, "finetune_step_ms_median", False),
            r["peak_rss_mb"], r["load_avg_1m"], (r.get("version", "") + " " + kernels_note(r)).strip()))
    print("(ratio = time relative to PyTorch's (for images/s: PyTorch's rate over ours); below 1.0 is faster; "
          "load = 1-minute load average when the side finished)")


def kernels_note(result):
    """What emotion's JSON says about where it ran: the kernel variant, its vector width, the build target."""
    if "kernel_variant" not in result:
        return ""
    return "kernels %s (%d-wide), target %s" % (
        result["kernel_variant"], result["vector_width"], result["build_target_cpu"])


def print_sgemm(result, why, peak):
    print("\nsgemm (emotion, C = A * B, best of >= 5 runs and >= 0.5 s per size)")
    if result is None:
        print("skipped: " + why)
        return
    print("%-8s %10s %10s %8s %6s  %s" % ("n", "ms", "GFLOP/s", "% peak", "runs", kernels_note(result)))
    for row in result["sgemm"]:
        pct = "%.0f%%" % (100.0 * row["gflops"] / peak) if peak else "-"
        print("%-8d %10.2f %10.1f %8s %6d" % (row["size"], row["best_ms"], row["gflops"], pct, row.get("runs", 0)))
    print("(load %.1f when it finished)" % result["load_avg_1m"])


def check_flop_count(result, flops):
    """emotion reports GFLOP/s from its own per-layer count; both counts must be the same."""
    counted = result["train_gflops"] * 1e9 * result["train_step_ms_median"] / 1000.0
    if abs(counted - flops) > 1e-3 * flops:
        print("warning: emotion counts %.4g FLOP per step, this script %.4g (train_flops_per_image disagrees)"
              % (counted, flops), file=sys.stderr)


def print_table(model_name, rows, flops, peak):
    print("\n%s, %.1f GFLOP per training step" % (model_name, flops / 1e9))
    print("%-15s %12s %10s %10s %8s %14s %10s %6s  %s" % (
        "side", "ms/step", "ratio", "GFLOP/s", "% peak", "infer img/s", "RSS MB", "load", "notes"))
    fastest = min((r["train_step_ms_median"] for side, (r, _) in rows.items()
                   if r and not side.startswith("emotion")), default=None)
    for side, (r, why) in rows.items():
        if r is None:
            print("%-15s %s" % (side, "skipped: " + why))
            continue
        ms = r["train_step_ms_median"]
        gflops = flops / (ms / 1000.0) / 1e9
        ratio = "%.2f" % (ms / fastest) if fastest else "-"
        pct = "%.0f%%" % (100.0 * gflops / peak) if peak else "-"
        print("%-15s %12.1f %10s %10.1f %8s %14.1f %10.0f %6.1f  %s" % (
            side, ms, ratio, gflops, pct, r["inference_images_per_s"], r["peak_rss_mb"], r["load_avg_1m"],
            (r.get("version", "") + " " + kernels_note(r)).strip()))
    print("(ratio = ms/step relative to the faster of Keras and PyTorch; below 1.0 is faster; "
          "load = 1-minute load average when the side finished)")


if __name__ == "__main__":
    main()
