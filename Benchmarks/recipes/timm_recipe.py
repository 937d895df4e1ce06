#!/usr/bin/env python3
"""The PyTorch + timm reference recipe of issue 14 on the experiment folders (make_splits.py):
tf_efficientnet_lite0 with the shared ImageNet weights at 350x350 (v/127.5 - 1, as timm's tf_ models), the
assignment's head (global average pool -> Linear(128) -> ReLU -> Dropout(0.5) -> Linear(6)) trained 20
epochs at 1e-3 on the frozen backbone, then the top 6 units (conv_head and the last 5 blocks; batch norms
kept on their ImageNet statistics) and the head 10 epochs at 1e-4 with random horizontal flips. Adam,
batch 32. The frozen part runs once per image and view (an exact shortcut: it never changes).

    /work/.venv-ref/bin/python Benchmarks/recipes/timm_recipe.py --splits /tmp/faces6-splits \
        --weights ../shared/backbones/efficientnet_lite0.safetensors --seeds 0,1,2 --results results.jsonl

Made with torch 2.15.0 and timm 1.0.31 (CPU). Appends one JSON line per run, in run_recipes.py's format.
"""
import argparse
import json
import os
import time

import numpy as np
import timm
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file

import protocols
from recipe_scores import scores

SIZE = 350
CLASSES = ["anger", "disgust", "fear", "happy", "sad", "surprise"]


def load_folder(folder):
    """[n, 3, SIZE, SIZE] in [-1, 1] and labels, resized as TensorFlow's bilinear resize (no antialias)."""
    images, labels = [], []
    for label, name in enumerate(CLASSES):
        for file in sorted(os.listdir(os.path.join(folder, name))):
            with Image.open(os.path.join(folder, name, file)) as opened:
                pixels = np.asarray(opened.convert("RGB"), dtype=np.float32)
            tensor = torch.from_numpy(pixels).permute(2, 0, 1)[None]
            if tensor.shape[-2:] != (SIZE, SIZE):
                tensor = F.interpolate(tensor, size=(SIZE, SIZE), mode="bilinear", align_corners=False, antialias=False)
            images.append(tensor[0] / 127.5 - 1)
            labels.append(label)
    return torch.stack(images), torch.tensor(labels)


def units(backbone):
    """stem, the 16 blocks, conv_head: the units emotion's --unfreeze counts from the top."""
    return [torch.nn.Sequential(backbone.conv_stem, backbone.bn1)] + [b for stage in backbone.blocks for b in stage] \
        + [torch.nn.Sequential(backbone.conv_head, backbone.bn2)]


def run_units(parts, x):
    for part in parts:
        x = part(x)
    return x


def batches(count, size, generator):
    order = torch.randperm(count, generator=generator)
    return [order[i:i + size] for i in range(0, count, size)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--results", required=True)
    protocols.add_people_option(parser)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count())
    train, heldout = protocols.folders(args.people)
    folders = {"train85": train, "validation": "validation", "heldout": heldout}
    data = {name: load_folder(os.path.join(args.splits, folder)) for name, folder in folders.items()}
    for seed in [int(s) for s in args.seeds.split(",")]:
        start = time.time()
        torch.manual_seed(seed)
        backbone = timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=0)
        state = {k: v for k, v in load_file(args.weights).items() if not k.startswith("classifier.")}
        backbone.load_state_dict(state)
        backbone.eval()
        parts = units(backbone)
        bottom, top = parts[:-6], parts[-6:]
        head = torch.nn.Sequential(torch.nn.Linear(1280, 128), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(128, 6))
        generator = torch.Generator().manual_seed(seed)

        # The frozen bottom once per image and view (the image and its mirror).
        with torch.no_grad():
            def entering(images):
                return torch.cat([run_units(bottom, images[i:i + 32]) for i in range(0, len(images), 32)])
            cached = {name: entering(images) for name, (images, _) in data.items()}
            cached["train85-mirrored"] = entering(torch.flip(data["train85"][0], dims=[3]))
            features = {name: run_units(top, value).mean(dim=(2, 3)) for name, value in cached.items()}

        labels = data["train85"][1]
        # Phase 1: the head on the frozen features, 20 epochs at 1e-3.
        optimizer = torch.optim.Adam(head.parameters(), lr=1e-3)
        for _ in range(20):
            head.train()
            for batch in batches(len(labels), 32, generator):
                optimizer.zero_grad()
                F.cross_entropy(head(features["train85"][batch]), labels[batch]).backward()
                optimizer.step()
        # Phase 2: the top 6 units and the head, 10 epochs at 1e-4, each image in one view at random.
        trainable = [p for part in top for p in part.parameters()] + list(head.parameters())
        optimizer = torch.optim.Adam(trainable, lr=1e-4)
        for _ in range(10):
            head.train()
            for batch in batches(len(labels), 32, generator):
                flip = torch.rand(len(batch), generator=generator) < 0.5
                inputs = torch.where(flip[:, None, None, None], cached["train85-mirrored"][batch], cached["train85"][batch])
                optimizer.zero_grad()
                F.cross_entropy(head(run_units(top, inputs).mean(dim=(2, 3))), labels[batch]).backward()
                optimizer.step()
        head.eval()
        with torch.no_grad():
            predicted = {name: head(run_units(top, cached[name]).mean(dim=(2, 3))).argmax(1).numpy()
                         for name in ("validation", "heldout")}
            results = {name: scores(data[name][1].numpy(), predicted[name]) for name in predicted}
        row = {"recipe": "timm-lite0-350-top6-flip", "seed": seed, "extra": [], "command": "timm_recipe.py",
               "seconds": time.time() - start, **results, "load": os.getloadavg()[0], **protocols.mark(args.people)}
        with open(args.results, "a") as handle:
            handle.write(json.dumps(row) + "\n")
        print(f"seed {seed}: validation {results['validation']['accuracy']:.3f}, held-out {results['heldout']['accuracy']:.3f}",
              flush=True)


if __name__ == "__main__":
    main()
