#!/usr/bin/python3
"""Writes docs/data/coffee.csv: the 200 coffee roasts of the course's lab (C2_W1 "Coffee Roasting").

The generator is the lab's own `load_coffee_data()` (numpy's default_rng(2)), so the C# version of
the lab in docs/coffee-lab.md sees the same data, the same normalisation statistics and, with the
lab's weights, the same predictions (0.963 and 3.03e-08). Values are rounded to float32, as LogitNet
reads them. Run: /usr/bin/python3 tools/coffee_data.py
"""
import os

import numpy as np


def load_coffee_data():
    rng = np.random.default_rng(2)
    X = rng.random(400).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5           # 12-15 min is best
    X[:, 0] = X[:, 0] * (285 - 150) + 150  # 350-500 F (175-260 C) is best
    Y = np.zeros(len(X))
    for i, (t, d) in enumerate(X):
        y = -3 / (260 - 175) * t + 21
        Y[i] = 1 if (175 < t < 260 and 12 < d < 15 and d <= y) else 0
    return X, Y


def main():
    X, Y = load_coffee_data()
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "docs", "data", "coffee.csv")
    with open(out, "w") as f:
        f.write("temperature,duration,good\n")
        for (t, d), y in zip(X.astype(np.float32), Y):
            f.write(f"{float(t)!r},{float(d)!r},{int(y)}\n")
    X32 = X.astype(np.float32).astype(np.float64)
    print("wrote", os.path.normpath(out), "mean", X32.mean(0), "population variance", X32.var(0), "good roasts", int(Y.sum()))


if __name__ == "__main__":
    main()
