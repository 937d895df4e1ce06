"""Fixtures of the backbone layers and EfficientNets, computed with PyTorch and timm.

Run from anywhere: python3 make_backbone_fixtures.py   (made with torch 2.15.0, timm 1.0.31, numpy 2.4.6)

Writes
  Tests/EmotionNNTests/Fixtures/backbones/batchnorm.safetensors   BatchNorm2d train step then eval (eps 1e-3,
      momentum 0.1): forward, input/weight/bias gradients, running statistics after the step.
  Tests/EmotionNNTests/Fixtures/backbones/depthwise.safetensors   depthwise conv (groups = C) with TF 'SAME'
      padding (stride 2 even size: asymmetric pad; stride 1 k5): forward and input/kernel gradients.
  Tests/EmotionTrainingTests/Fixtures/backbones/{tf_efficientnet_lite0,tf_efficientnetv2_b3}_hashed.safetensors
      timm's output (pooled features and 1000 logits) for one small odd-sized image, with every weight
      made by `hashed_uniform` below, which the Swift test recomputes bit for bit (integer hash, no
      transcendental functions), so no weights are stored.

Layouts: tensors are stored as our Swift code holds them, NHWC activations, depthwise kernels
[kh, kw, C, 1]; the upstream gradient seed is `r` (the loss is sum(y * r)).
"""
import os
import numpy as np
import torch
import torch.nn.functional as F
import timm
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.join(HERE, "..", "..", "..", "EmotionTrainingTests", "Fixtures", "backbones")
MASK = (1 << 64) - 1


def f32(t):
    return np.ascontiguousarray(t.detach().numpy().astype(np.float32))


def nhwc(t):
    return f32(t.permute(0, 2, 3, 1))


def batchnorm_fixture():
    torch.manual_seed(5)
    x = torch.randn(2, 6, 3, 4) * 2 + 0.5          # NCHW, 6 channels
    gamma, beta = torch.randn(6) * 0.5 + 1, torch.randn(6) * 0.3
    mean0, var0 = torch.randn(6) * 0.2, torch.rand(6) + 0.5
    r = torch.randn(2, 6, 3, 4)
    bn = torch.nn.BatchNorm2d(6, eps=1e-3, momentum=0.1)
    with torch.no_grad():
        bn.weight.copy_(gamma); bn.bias.copy_(beta); bn.running_mean.copy_(mean0); bn.running_var.copy_(var0)
    out = {"x": nhwc(x), "gamma": f32(gamma), "beta": f32(beta), "mean0": f32(mean0), "var0": f32(var0),
           "r": nhwc(r)}
    for mode in ["train", "eval"]:
        bn.train(mode == "train")
        xi = x.clone().requires_grad_(True)
        bn.weight.grad = None; bn.bias.grad = None
        y = bn(xi)
        (y * r).sum().backward()
        out[f"{mode}.y"] = nhwc(y)
        out[f"{mode}.dx"] = nhwc(xi.grad)
        out[f"{mode}.dgamma"] = f32(bn.weight.grad)
        out[f"{mode}.dbeta"] = f32(bn.bias.grad)
        out[f"{mode}.running_mean"] = f32(bn.running_mean)
        out[f"{mode}.running_var"] = f32(bn.running_var)
    save_file(out, os.path.join(HERE, "batchnorm.safetensors"))


def same_pad(size, k, s):
    o = (size + s - 1) // s
    total = max((o - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def depthwise_fixture():
    torch.manual_seed(6)
    out = {}
    for name, (h, w, c, k, s) in {"s2k3": (8, 6, 5, 3, 2), "s1k5": (5, 7, 4, 5, 1), "s2k5": (7, 9, 3, 5, 2)}.items():
        x = torch.randn(2, c, h, w, requires_grad=True)
        weight = (torch.randn(c, 1, k, k) * 0.5).requires_grad_(True)
        top, bottom = same_pad(h, k, s)
        left, right = same_pad(w, k, s)
        y = F.conv2d(F.pad(x, (left, right, top, bottom)), weight, stride=s, groups=c)
        r = torch.randn_like(y)
        (y * r).sum().backward()
        out[f"{name}.x"] = nhwc(x)
        out[f"{name}.w"] = f32(weight.permute(2, 3, 0, 1))       # [kh, kw, C, 1]
        out[f"{name}.y"] = nhwc(y)
        out[f"{name}.r"] = nhwc(r)
        out[f"{name}.dx"] = nhwc(x.grad)
        out[f"{name}.dw"] = f32(weight.grad.permute(2, 3, 0, 1))
        out[f"{name}.stride"] = np.array([s], dtype=np.float32)
    save_file(out, os.path.join(HERE, "depthwise.safetensors"))


def fnv1a(name):
    h = 0x811C9DC5
    for b in name.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def hashed_uniform(name, count):
    """u in [-1, 1): splitmix64((fnv1a(name) << 32) + i), top 24 bits."""
    z = (np.uint64(fnv1a(name)) << np.uint64(32)) + np.arange(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    return 2 * u - 1


def hashed_value(name, shape):
    """The deterministic value of timm tensor `name` (timm layout and shape)."""
    v = hashed_uniform(name, int(np.prod(shape))).reshape(shape)
    leaf = name.rsplit(".", 1)[1]
    if leaf == "running_var":
        v = 1 + 0.5 * v
    elif leaf == "running_mean" or leaf == "bias":
        v = 0.1 * v
    elif len(shape) == 1:                       # BN weight
        v = 1 + 0.2 * v
    else:                                       # conv OIHW or linear [out, in]: variance 1 / fan_in
        v = v * np.sqrt(3.0 / np.prod(shape[1:]))
    return v.astype(np.float32)


def efficientnet_fixture(arch, height=45, width=67):
    model = timm.create_model(arch, pretrained=False).eval()
    state = {k: torch.from_numpy(hashed_value(k, tuple(v.shape)))
             for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    model.load_state_dict(state, strict=False)
    image = hashed_uniform("input", height * width * 3).reshape(1, height, width, 3).astype(np.float32)
    with torch.no_grad():
        x = torch.from_numpy(image).permute(0, 3, 1, 2)
        features = model.forward_head(model.forward_features(x), pre_logits=True)
        logits = model.forward_head(model.forward_features(x))
    save_file({"features": f32(features), "logits": f32(logits),
               "input_shape": np.array([1, height, width, 3], dtype=np.float32),
               "parameter_count": np.array([sum(p.numel() for p in model.parameters())], dtype=np.float32)},
              os.path.join(TRAINING, f"{arch}_hashed.safetensors"))
    print(arch, "features", features[0, :4].tolist(), "logits", logits[0, :4].tolist(),
          "abs max", float(logits.abs().max()))


if __name__ == "__main__":
    print("torch", torch.__version__, "timm", timm.__version__, "numpy", np.__version__)
    os.makedirs(TRAINING, exist_ok=True)
    batchnorm_fixture()
    depthwise_fixture()
    efficientnet_fixture("tf_efficientnet_lite0")
    efficientnet_fixture("tf_efficientnetv2_b3")
