#!/usr/bin/python3
"""DepthwiseConv2D's peer: PyTorch 1.13's Conv2d with groups = channels on the shapes of
bench/LogitNet.Benchmarks/DepthwiseSideBySide.cs, one thread, channels-last memory format, "same" padding
(stride 2 pads as TensorFlow does: the extra row and column at the bottom and right).

Usage: /usr/bin/python3 bench/peers/depthwise.py
"""
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
CASES = [(32, 28, 28, 64, 3, 1, 1), (32, 14, 14, 128, 3, 2, 1), (32, 56, 56, 32, 3, 1, 2)]


def median(fn):
    for _ in range(3):
        fn()
    t = time.perf_counter()
    fn()
    calls = max(1, int(0.2 / (time.perf_counter() - t)))
    rounds = []
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - t) / calls)
    return sorted(rounds)[3]


print("case, forward ms, forward+backward ms, forward GFLOP/s")
for n, h, w, c, k, m, s in CASES:
    x = torch.randn(n, c, h, w).to(memory_format=torch.channels_last).requires_grad_(True)
    weight = torch.randn(c * m, 1, k, k, requires_grad=True)
    bias = torch.zeros(c * m, requires_grad=True)
    oh, ow = -(-h // s), -(-w // s)
    ph, pw = max((oh - 1) * s + k - h, 0), max((ow - 1) * s + k - w, 0)
    pad = (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2)

    def forward():
        return F.conv2d(F.pad(x, pad), weight, bias, stride=s, groups=c)

    with torch.no_grad():
        fwd = median(forward)
    dy = torch.randn(n, c * m, oh, ow).to(memory_format=torch.channels_last)

    def both():
        forward().backward(dy)

    fb = median(both)
    flops = 2.0 * n * oh * ow * c * m * k * k
    print(f"n{n} {h}x{w}x{c} k{k} m{m} s{s}, {fwd * 1e3:.2f}, {fb * 1e3:.2f}, {flops / fwd / 1e9:.1f}")
