"""PyTorch side of the MLP training benchmark (issue 4): the same three MLPs, data and optimizer
as bench/LogitNet.Benchmarks/TrainingThroughput.cs. Run it through train_mlp.sh, which sets the
fastest CPU settings found here and prints the side-by-side table.

Usage: train_mlp.py DATA_DIR THREADS [S M L]
  Writes DATA_DIR/x.f32 and y.f32 (60,000 x 784 uniform [0, 1), labels 0-9, seed 0) if missing, then
  prints one JSON line per measurement.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

import peer_training

MODELS = {"S": ([25, 15, 10], 32), "M": ([128, 64, 10], 64), "L": ([1024, 1024, 10], 256)}


def data(directory):
    x_path, y_path = os.path.join(directory, "x.f32"), os.path.join(directory, "y.f32")
    if not os.path.exists(x_path):
        rng = np.random.default_rng(0)
        rng.random((60000, 784), dtype=np.float32).tofile(x_path)
        rng.integers(0, 10, 60000).astype(np.float32).tofile(y_path)
    x = np.fromfile(x_path, dtype=np.float32).reshape(-1, 784)
    y = np.fromfile(y_path, dtype=np.float32).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def model_for(units):
    layers, width = [], 784
    for i, u in enumerate(units):
        layers.append(nn.Linear(width, u))
        if i < len(units) - 1:
            layers.append(nn.ReLU())
        width = u
    return nn.Sequential(*layers)


def main():
    directory, threads = sys.argv[1], int(sys.argv[2])
    names = sys.argv[3:] or ["S", "M", "L"]
    torch.set_num_threads(threads)
    # Flush-to-zero and denormals-are-zero: on the noise data most ReLU units die and Adam's moments decay
    # into the subnormal range (LogitNet flushes its stored optimizer state for the same reason). Measured on
    # a Zen 5 EPYC (session 10), M on one core in alternating processes: 26.9-36.2k samples/s with it against
    # 22.8-25.8k without; on the AVX2 Zen 3 of session 9, no change beyond noise. PyTorch's best settings
    # include it.
    torch.set_flush_denormal(True)
    torch.manual_seed(1)
    x, y = data(directory)
    generator = torch.Generator().manual_seed(1)
    for name in names:
        units, batch = MODELS[name]
        model = model_for(units)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
        warm = batch * 50
        peer_training.epoch(model, optimizer, nn.CrossEntropyLoss(), x[:warm], y[:warm], batch, generator, mean_loss=True)
        # One untimed pass over all the data, then the median of three timed runs, as the LogitNet side does: on
        # the Zen 5 VM of session 10 a first pass over the data ran several times slower than the next.
        peer_training.epoch(model, optimizer, nn.CrossEntropyLoss(), x, y, batch, generator, mean_loss=True)
        epochs = 1 if name == "L" else 2
        rates = []
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(epochs):
                loss = peer_training.epoch(model, optimizer, nn.CrossEntropyLoss(), x, y, batch, generator, mean_loss=True)
            rates.append(round(x.shape[0] * epochs / (time.perf_counter() - start)))
        print(json.dumps({"library": "PyTorch", "model": name, "threads": threads,
                          "samples_per_s": sorted(rates)[1], "final_loss": round(loss, 4), "runs": rates}))
        if name == "S":
            model.eval()
            one = x[:1]
            with torch.no_grad():
                for _ in range(2000):
                    model(one)
                rounds = []
                for _ in range(21):
                    start = time.perf_counter()
                    for _ in range(2000):
                        model(one)
                    rounds.append((time.perf_counter() - start) / 2000 * 1e6)
            rounds.sort()
            print(json.dumps({"library": "PyTorch", "model": "S-predict-1", "threads": threads,
                              "microseconds": round(rounds[len(rounds) // 2], 3)}))
            model.train()


if __name__ == "__main__":
    main()
