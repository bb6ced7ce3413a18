#!/usr/bin/python3
"""Generates adversarial.jsonl: hard inputs for the losses with exact outputs.

Run with Debian's python3 (mpmath 1.2): /usr/bin/python3 make_adversarial.py > adversarial.jsonl
Each output is evaluated from the textbook formula (log(1 + e^z), exp(z_j)/sum exp, ...) at 700 bits
and again at 1400 bits; the two must agree to 2^-120 relative (else the script stops), so the stored
25-digit values are exact for float32 scoring. The formulas are deliberately the plain ones, not the
cancellation-free forms the library uses: high precision, not rearrangement, makes them exact.
Inputs are float32 (hex bit patterns, big-endian); outputs are decimal strings as in the shared
accuracy cases ("0" for an exact zero). Cases whose exact outputs overflow float32 are dropped.
"""
import json
import struct
import sys

from mpmath import mp, mpf, exp, log, log1p, nstr

import numpy as np


def f32(x):
    return float(np.float32(x))


def hexf(x):
    return struct.pack('>f', np.float32(x)).hex()


def exact(x):
    if x == 0:
        return "0"
    return nstr(x, 25, min_fixed=1, max_fixed=0, strip_zeros=False)


def at_two_precisions(fn):
    results = []
    for prec in (700, 1400):
        mp.prec = prec
        results.append(fn())
    mp.prec = 1400
    first, second = results
    flat_first = first if isinstance(first, list) else [first]
    flat_second = second if isinstance(second, list) else [second]
    for a, b in zip(flat_first, flat_second):
        if b != 0 and abs(a - b) > abs(b) * mpf(2) ** -120:
            raise ValueError("precision loop did not converge")
        if b == 0 and a != 0 and abs(a) > mpf(2) ** -200:
            raise ValueError("precision loop did not converge at 0")
    return second


def m(x):
    """float32 value as an exact mpf."""
    return mpf(f32(x))


def sigmoid(z):
    return 1 / (1 + exp(-z))


OVERFLOW = 2.0 ** 128 - 2.0 ** 103


def emit(case):
    # As in the shared suite, a case whose exact output rounds to infinity in float32 is dropped.
    outputs = [case["value"]] + case["grad"]
    if any(v != "0" and abs(float(v)) >= OVERFLOW for v in outputs):
        return
    sys.stdout.write(json.dumps(case, separators=(",", ":")) + "\n")


def binary_logits(tag, y, z, focal=None):
    y32, z32 = f32(y), f32(z)

    def compute():
        Y, Z = mpf(y32), mpf(z32)
        bce = Y * log1p(exp(-Z)) + (1 - Y) * log1p(exp(Z))
        grad = sigmoid(Z) - Y
        if focal is None:
            return [bce, grad]
        gamma = mpf(focal)
        s = sigmoid(Z)
        f = Y * (1 - s) + (1 - Y) * s
        loss = f ** gamma * bce
        # d/dz of f^gamma * bce, with f' = s(1-s)(1-2y) and bce' = s - y.
        dloss = (gamma * f ** (gamma - 1) * s * (1 - s) * (1 - 2 * Y) * bce if f != 0 else 0) + f ** gamma * grad
        return [loss, dloss]

    loss, grad = at_two_precisions(compute)
    emit({"loss": "binary_focal" if focal is not None else "binary", "fromLogits": True, "gamma": focal, "tag": tag,
          "yTrue": [hexf(y32)], "yPred": [hexf(z32)], "value": exact(loss), "grad": [exact(grad)], "soft": y32 not in (0.0, 1.0)})


def binary_probabilities(tag, y, p):
    y32, p32 = f32(y), f32(p)

    def compute():
        Y, P = mpf(y32), mpf(p32)
        loss = (-Y * log(P) if Y != 0 else 0) + (-(1 - Y) * log(1 - P) if Y != 1 else 0)
        return [loss, -Y / P + (1 - Y) / (1 - P)]

    loss, grad = at_two_precisions(compute)
    emit({"loss": "binary", "fromLogits": False, "gamma": None, "tag": tag, "yTrue": [hexf(y32)], "yPred": [hexf(p32)],
          "value": exact(loss), "grad": [exact(grad)], "soft": y32 not in (0.0, 1.0)})


def softmax_row(tag, t, z, from_logits=True, focal=None, alpha=0.25):
    """t: target row (one-hot or soft), z: logits or probabilities (row not normalised)."""
    t32 = [f32(v) for v in t]
    z32 = [f32(v) for v in z]
    n = len(z32)

    def compute():
        T = [mpf(v) for v in t32]
        if from_logits:
            top = max(v for v in z32)
            E = [exp(mpf(v) - mpf(top)) if v != float("-inf") else mpf(0) for v in z32]
            S = sum(E)
            P = [e / S for e in E]
            # d p_i / d z_j = p_i (delta_ij - p_j)
            jac = [[P[i] * ((1 if i == j else 0) - P[j]) for j in range(n)] for i in range(n)]
        else:
            Q = [mpf(v) for v in z32]
            S = sum(Q)
            P = [q / S for q in Q]
            jac = [[((1 if i == j else 0) - P[i]) / S for j in range(n)] for i in range(n)]
        loss = mpf(0)
        dldp = [mpf(0)] * n
        for i in range(n):
            if T[i] == 0:
                continue
            logp = log(P[i])
            if focal is None:
                loss += -T[i] * logp
                dldp[i] = -T[i] / P[i]
            else:
                g = mpf(focal)
                a = mpf(f32(alpha))
                om = 1 - P[i]
                loss += -a * T[i] * om ** g * logp
                dldp[i] = a * T[i] * ((g * om ** (g - 1) * logp if om != 0 else 0) - om ** g / P[i])
        grad = [sum(dldp[i] * jac[i][j] for i in range(n)) for j in range(n)]
        return [loss] + grad

    out = at_two_precisions(compute)
    soft = sorted(t32) != [0.0] * (n - 1) + [1.0]
    emit({"loss": ("categorical_focal" if focal is not None else "categorical"), "fromLogits": from_logits, "gamma": focal,
          "tag": tag, "yTrue": [hexf(v) for v in t32], "yPred": [hexf(v) for v in z32],
          "value": exact(out[0]), "grad": [exact(g) for g in out[1:]], "soft": soft})


def onehot(n, k):
    return [1.0 if j == k else 0.0 for j in range(n)]


def main():
    mp.prec = 1400
    rng = np.random.default_rng(20261122)

    # Binary from logits: large, tiny and subnormal logits against hard, soft and extreme labels.
    logits = [0.0, 1e-30, 1e-8, 0.5, 2.0, 15.0, 17.0, 30.0, 40.0, 88.0, 100.0, 1e3, 1e4, 1e6, 3e38]
    labels = [0.0, 1.0, 1e-7, 1e-3, 0.25, 0.5, 0.5 + 2 ** -24, 0.5 - 2 ** -25, 0.999, 1 - 2 ** -24, 1 - 2 ** -23, 2 ** -149]
    for z in logits:
        for sign in (1, -1):
            for y in labels:
                binary_logits("grid", y, sign * z)

    # Cancellation in sigma(z) - y: the float32 logits nearest logit(y), and the structured y = 1/2 + k 2^-24.
    for y in [0.1, 0.3, 0.7, 0.9, 1e-3, 0.999, 1e-20]:
        y32 = m(y)
        z0 = float(log(y32 / (1 - y32)))
        z32 = np.float32(z0)
        for z in (np.nextafter(z32, np.float32(-np.inf)), z32, np.nextafter(z32, np.float32(np.inf))):
            binary_logits("near_logit", y, float(z))
    for k in (1, 2, 3, 5):
        binary_logits("half_plus", 0.5 + k * 2 ** -24, 4 * k * 2 ** -24)
        binary_logits("half_minus", 0.5 - k * 2 ** -25, -2 * k * 2 ** -24)

    # Binary from probabilities: every decade, both tails.
    for p in [2 ** -149, 1e-40, 1e-30, 1e-10, 1e-7, 0.1, 0.5, 0.9, 1 - 1e-6, 1 - 2 ** -23, 1 - 2 ** -24]:
        for y in [0.0, 1.0, 1e-7, 0.5, 1 - 2 ** -24]:
            binary_probabilities("grid", y, p)

    # Binary focal from logits, hard labels (1 ulp) and soft ones.
    for z in [-100.0, -30.0, -5.0, -1e-3, 0.0, 1e-3, 5.0, 30.0, 100.0]:
        for y in [0.0, 1.0, 0.3]:
            for gamma in (2.0, 0.5):
                binary_logits("focal", y, z, focal=gamma)

    # Softmax cross-entropy, hard targets: confident right and wrong, masks, ties, huge and subnormal logits.
    ninf = float("-inf")
    softmax_row("confident_right", onehot(3, 0), [30.0, 0.0, 0.0])
    softmax_row("confident_right", onehot(3, 0), [100.0, 0.0, -5.0])
    softmax_row("confident_wrong", onehot(2, 0), [0.0, 1e4])
    softmax_row("confident_wrong", onehot(3, 2), [1e4, -1e4, -3e38])
    softmax_row("masked", onehot(4, 1), [ninf, 2.0, ninf, 1.0])
    softmax_row("masked", onehot(4, 1), [ninf, 2.0, ninf, ninf])
    softmax_row("tie", onehot(3, 2), [5.0, 1.0, 5.0])
    softmax_row("huge", onehot(3, 0), [3e38, 3e38 - 2e31, -3e38])
    softmax_row("subnormal", onehot(3, 1), [1e-45, 3e-45, 0.0])
    softmax_row("near_equal", onehot(3, 0), [1.0, float(np.nextafter(np.float32(1), np.float32(0))), 0.5])
    row = list(rng.normal(0, 1, 1000))
    row[17] = max(row) + 40
    softmax_row("dominant_1000", onehot(1000, 17), row)
    softmax_row("dominated_1000", onehot(1000, 3), row)

    # Soft targets from logits (normwise for the gradient, 1 ulp for the loss).
    softmax_row("soft", [0.7, 0.2, 0.1, 0.0], [3.0, -1.0, 0.5, ninf])
    softmax_row("soft", [0.98, 0.01, 0.01], [40.0, 0.0, 0.0])

    # Categorical from probabilities (rows are divided by their sum; nothing is clipped).
    softmax_row("prob_confident", onehot(2, 0), [1 - 2 ** -24, 2 ** -24], from_logits=False)
    softmax_row("prob_unnormalised", onehot(3, 1), [0.25, 0.75, 0.5], from_logits=False)
    softmax_row("prob_tiny", onehot(3, 2), [0.6, 0.4, 1e-30], from_logits=False)
    softmax_row("prob_subnormal", onehot(2, 1), [1.0, 1e-40], from_logits=False)
    softmax_row("prob_soft", [0.25, 0.75, 0.0], [0.2, 0.7, 0.1], from_logits=False)

    # Categorical focal, one-hot targets, from logits and probabilities.
    softmax_row("focal_confident", onehot(3, 0), [30.0, 0.0, 0.0], focal=2.0)
    softmax_row("focal_wrong", onehot(3, 2), [5.0, 0.0, -3.0], focal=2.0)
    softmax_row("focal_gamma_half", onehot(4, 1), [0.5, 1.0, ninf, -2.0], focal=0.5)
    softmax_row("focal_prob", onehot(3, 1), [0.1, 0.8, 0.1], from_logits=False, focal=2.0)
    softmax_row("focal_prob_confident", onehot(2, 0), [1 - 2 ** -24, 2 ** -24], from_logits=False, focal=2.0)


if __name__ == "__main__":
    main()
