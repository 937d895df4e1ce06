#!/usr/bin/env python3
"""Generates the PyTorch reference fixtures for EmotionNNTests (run once; the tests never need Python).

    python3 Tests/EmotionNNTests/Fixtures/make_fixtures.py

Made with torch 2.15.0 (CPU) and safetensors 0.8.0; every file records the torch version in its
__metadata__ (the Python writer orders the metadata keys arbitrarily, so re-running changes header bytes,
never values). All tensors are float32 in our layouts: activations NHWC, conv kernels HWIO [kh, kw, cin, cout],
dense kernels [in, out]. PyTorch works in NCHW/OIHW, so the script permutes inside the autograd graph and
the gradients come back in our layouts. Backward values are the gradients of L = sum(output * r) for a
stored random r (the upstream gradient).

Files:
  conv2d.safetensors        cases valid_s1 (3x3), same_s1 (3x3), valid_s2 (3x3), same_s2 (3x3, even input,
                            asymmetric TF padding), same_k2x3_s1 (2x3 kernel), valid_s1_relu (fused ReLU);
                            keys <case>.x .kernel .bias .r .y .dx .dkernel .dbias
  maxpool.safetensors       pool2 (2x2 stride 2, odd sizes so the last row/column is dropped) and
                            pool3_s2 (3x3 stride 2); keys <case>.x .r .y .dx
  dense.safetensors         linear and relu; keys <case>.x .kernel .bias .r .y .dx .dkernel .dbias
  softmax_ce.safetensors    logits (some rows scaled by 50 to test stability), labels (as float), loss (mean),
                            probabilities, dlogits (gradient of the mean loss)
  adam.safetensors          three Keras-3 Adam steps (lr 1e-3, beta 0.9/0.999, epsilon 1e-7): p0, g1..g3, p1..p3
  adamw.safetensors         three AdamW steps (lr 1e-2, weight decay 0.1, Keras epsilon 1e-7) of a kernel that
                            decays and a bias that does not: <weight|bias>.p0, .g1..g3, .p1..p3
  tiny_cnn_weights.safetensors    a small Keras-layout Sequential CNN's parameters, named as our model names them:
                            Conv2D(4, 3x3, relu) -> MaxPool(2) -> Flatten -> Dense(5, relu) -> Dense(3, softmax)
  tiny_cnn_reference.safetensors  its input x [2, 8, 7, 3], labels, probabilities, mean cross-entropy loss and
                            the loss gradient of every parameter (grad.<name>); Flatten is NHWC (Keras) order
"""
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from pathlib import Path

HERE = Path(__file__).resolve().parent
META = {"generator": "Tests/EmotionNNTests/Fixtures/make_fixtures.py", "torch": torch.__version__}
torch.manual_seed(20261125)


def same_padding(size, kernel, stride):
    """TensorFlow SAME: output ceil(size/stride); total padding split with the odd pixel at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv_case(name, n, h, w, cin, cout, kh, kw, stride, padding, relu=False):
    x = torch.randn(n, h, w, cin, requires_grad=True)
    kernel = (torch.randn(kh, kw, cin, cout) * 0.5).requires_grad_()
    bias = (torch.randn(cout) * 0.5).requires_grad_()
    xin = x.permute(0, 3, 1, 2)
    if padding == "same":
        top, bottom = same_padding(h, kh, stride)
        left, right = same_padding(w, kw, stride)
        xin = F.pad(xin, (left, right, top, bottom))
    y = F.conv2d(xin, kernel.permute(3, 2, 0, 1), bias, stride=stride).permute(0, 2, 3, 1)
    if relu:
        y = torch.relu(y)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    return {f"{name}.x": x, f"{name}.kernel": kernel, f"{name}.bias": bias, f"{name}.r": r, f"{name}.y": y,
            f"{name}.dx": x.grad, f"{name}.dkernel": kernel.grad, f"{name}.dbias": bias.grad}


def pool_case(name, n, h, w, c, pool, stride):
    x = torch.randn(n, h, w, c, requires_grad=True)
    y = F.max_pool2d(x.permute(0, 3, 1, 2), pool, stride).permute(0, 2, 3, 1)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    return {f"{name}.x": x, f"{name}.r": r, f"{name}.y": y, f"{name}.dx": x.grad}


def dense_case(name, n, fin, units, relu):
    x = torch.randn(n, fin, requires_grad=True)
    kernel = (torch.randn(fin, units) * 0.5).requires_grad_()
    bias = (torch.randn(units) * 0.5).requires_grad_()
    y = x @ kernel + bias
    if relu:
        y = torch.relu(y)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    return {f"{name}.x": x, f"{name}.kernel": kernel, f"{name}.bias": bias, f"{name}.r": r, f"{name}.y": y,
            f"{name}.dx": x.grad, f"{name}.dkernel": kernel.grad, f"{name}.dbias": bias.grad}


def softmax_ce():
    logits = torch.randn(5, 6)
    logits[1] *= 50  # large logits: a naive exp would overflow
    logits[3] *= 50
    logits.requires_grad_()
    labels = torch.tensor([0, 5, 2, 3, 1])
    loss = F.cross_entropy(logits, labels)  # mean over rows
    loss.backward()
    return {"logits": logits, "labels": labels.float(), "loss": loss.reshape(()),
            "probabilities": torch.softmax(logits, dim=1), "dlogits": logits.grad}


def adam():
    """Keras 3's Adam (keras/src/optimizers/adam.py), written out with torch ops in float64:
        alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
        m += (g - m) * (1 - beta1);  v += (g^2 - v) * (1 - beta2);  p -= alpha * m / (sqrt(v) + epsilon)
    torch.optim.Adam adds eps to sqrt(v_hat) = sqrt(v) / sqrt(1 - beta2^t) instead, so Keras's epsilon equals
    a torch eps that changes every step (eps_torch = epsilon / sqrt(1 - beta2^t)); no single torch eps
    reproduces it. We therefore check the bias-correction part against torch.optim.Adam with eps=0 (where
    the two forms coincide) and add Keras's epsilon explicitly."""
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7
    p0 = torch.randn(12)
    grads = [torch.randn(12) for _ in range(3)]
    for g in grads:  # tiny gradients, where epsilon matters
        g[0] = 3e-7
        g[1] = -2e-6

    def keras_steps(epsilon):
        p, m, v = p0.double().clone(), torch.zeros(12, dtype=torch.float64), torch.zeros(12, dtype=torch.float64)
        out = []
        for t, g in enumerate(grads, start=1):
            g = g.double()
            alpha = lr * (1 - b2 ** t) ** 0.5 / (1 - b1 ** t)
            m += (g - m) * (1 - b1)
            v += (g * g - v) * (1 - b2)
            p -= alpha * m / (v.sqrt() + epsilon)
            out.append(p.clone())
        return out

    torch_p = p0.double().clone().requires_grad_()
    optimizer = torch.optim.Adam([torch_p], lr=lr, betas=(b1, b2), eps=0.0)
    for g, expected in zip(grads, keras_steps(0.0)):
        torch_p.grad = g.double()
        optimizer.step()
        assert torch.allclose(torch_p.detach(), expected, rtol=0, atol=1e-12), "bias correction differs from torch"

    result = {"p0": p0}
    for t, (g, p) in enumerate(zip(grads, keras_steps(eps)), start=1):
        result[f"g{t}"] = g
        result[f"p{t}"] = p.float()
    return result


def adamw():
    """Decoupled weight decay (torch.optim.AdamW, Keras 3 AdamW): before each Adam update the decayed
    parameter is multiplied by 1 - lr * weight_decay. As for Adam, torch.optim.AdamW with eps=0 checks the
    written-out form (both parameters in one optimizer, the bias in a group with weight_decay 0, our rule
    for biases), and the stored trajectories add Keras's epsilon hat."""
    lr, b1, b2, eps, wd = 1e-2, 0.9, 0.999, 1e-7, 0.1
    p0 = {"weight": torch.randn(12), "bias": torch.randn(5)}
    grads = {name: [torch.randn_like(p) for _ in range(3)] for name, p in p0.items()}
    decays = {"weight": wd, "bias": 0.0}

    def keras_steps(name, epsilon):
        p = p0[name].double().clone()
        m, v = torch.zeros_like(p), torch.zeros_like(p)
        out = []
        for t, g in enumerate(grads[name], start=1):
            g = g.double()
            p *= 1 - lr * decays[name]
            alpha = lr * (1 - b2 ** t) ** 0.5 / (1 - b1 ** t)
            m += (g - m) * (1 - b1)
            v += (g * g - v) * (1 - b2)
            p -= alpha * m / (v.sqrt() + epsilon)
            out.append(p.clone())
        return out

    torch_p = {name: p.double().clone().requires_grad_() for name, p in p0.items()}
    optimizer = torch.optim.AdamW([{"params": [torch_p["weight"]], "weight_decay": wd},
                                   {"params": [torch_p["bias"]], "weight_decay": 0.0}], lr=lr, betas=(b1, b2), eps=0.0)
    expected = {name: keras_steps(name, 0.0) for name in p0}
    for t in range(3):
        for name in p0:
            torch_p[name].grad = grads[name][t].double()
        optimizer.step()
        for name in p0:
            assert torch.allclose(torch_p[name].detach(), expected[name][t], rtol=0, atol=1e-12), f"{name} differs from torch"

    result = {}
    for name in p0:
        result[f"{name}.p0"] = p0[name]
        for t, (g, p) in enumerate(zip(grads[name], keras_steps(name, eps)), start=1):
            result[f"{name}.g{t}"] = g
            result[f"{name}.p{t}"] = p.float()
    return result


def tiny_cnn():
    """Keras semantics in torch: NHWC activations, HWIO conv kernel, [in, out] dense kernels, and Flatten in
    NHWC order (Keras flattens channels-last), which the permute before flatten reproduces."""
    weights = {
        "conv2d.kernel": torch.randn(3, 3, 3, 4) * 0.4, "conv2d.bias": torch.randn(4) * 0.1,
        "dense.kernel": torch.randn(3 * 2 * 4, 5) * 0.4, "dense.bias": torch.randn(5) * 0.1,
        "dense_1.kernel": torch.randn(5, 3) * 0.4, "dense_1.bias": torch.randn(3) * 0.1,
    }
    for w in weights.values():
        w.requires_grad_()
    x = torch.randn(2, 8, 7, 3)
    labels = torch.tensor([2, 0])
    h = torch.relu(F.conv2d(x.permute(0, 3, 1, 2), weights["conv2d.kernel"].permute(3, 2, 0, 1), weights["conv2d.bias"]))
    h = F.max_pool2d(h, 2).permute(0, 2, 3, 1).flatten(1)  # [2, 3, 2, 4] in NHWC order
    h = torch.relu(h @ weights["dense.kernel"] + weights["dense.bias"])
    logits = h @ weights["dense_1.kernel"] + weights["dense_1.bias"]
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    reference = {"x": x, "labels": labels.float(), "probabilities": torch.softmax(logits, dim=1), "loss": loss.reshape(())}
    reference.update({f"grad.{name}": w.grad for name, w in weights.items()})
    return weights, reference


def save(name, tensors):
    tensors = {k: v.detach().contiguous().float() for k, v in tensors.items()}
    save_file(tensors, str(HERE / name), metadata=META)
    print(f"{name}: {len(tensors)} tensors")


save("conv2d.safetensors", {
    **conv_case("valid_s1", 2, 6, 7, 3, 4, 3, 3, 1, "valid"),
    **conv_case("same_s1", 2, 5, 6, 3, 4, 3, 3, 1, "same"),
    **conv_case("valid_s2", 2, 7, 8, 3, 4, 3, 3, 2, "valid"),
    **conv_case("same_s2", 2, 6, 8, 3, 4, 3, 3, 2, "same"),
    **conv_case("same_k2x3_s1", 1, 5, 6, 2, 3, 2, 3, 1, "same"),
    **conv_case("valid_s1_relu", 2, 6, 7, 3, 4, 3, 3, 1, "valid", relu=True),
})
save("maxpool.safetensors", {**pool_case("pool2", 2, 7, 9, 3, 2, 2), **pool_case("pool3_s2", 2, 7, 8, 5, 3, 2)})
save("dense.safetensors", {**dense_case("linear", 4, 5, 3, False), **dense_case("relu", 4, 5, 3, True)})
save("softmax_ce.safetensors", softmax_ce())
save("adam.safetensors", adam())
tiny_weights, tiny_reference = tiny_cnn()
save("tiny_cnn_weights.safetensors", tiny_weights)
save("tiny_cnn_reference.safetensors", tiny_reference)
save("adamw.safetensors", adamw())
