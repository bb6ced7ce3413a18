"""PyTorch side of the convnet benchmark (issue 13): Keras's "simple MNIST convnet" with Keras's defaults,
on LogitNet's embedded MNIST, timed as bench/LogitNet.Benchmarks/ConvnetTraining.cs times LogitNet.

Usage: train_convnet.py THREADS EPOCHS [SEED]
  Reads src/LogitNet/Data/Resources/mnist-{train,test}-{images,labels}.idx.gz (uint8 / 255, as
  Datasets.Mnist()), builds Conv2D(32, 3, relu) - MaxPool(2) - Conv2D(64, 3, relu) - MaxPool(2) - Flatten -
  Dropout(0.5) - Dense(10) with Glorot-uniform weights and zero biases (Keras's initializers), trains it
  with Adam(1e-3, eps=1e-7) on batches of 128, shuffled, and prints one JSON line: training samples/s
  (after a warm-up model trained for 1.5 s), samples per second of process CPU time (steadier than wall
  time on a shared machine) and test accuracy. Channels first (NCHW), PyTorch's native
  layout; Flatten then orders features (c, h, w) instead of Keras's (h, w, c), which changes nothing
  for a model trained from scratch.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

RESOURCES = os.path.join(os.path.dirname(__file__), "..", "..", "src", "LogitNet", "Data", "Resources")


def idx(name):
    with gzip.open(os.path.join(RESOURCES, name)) as f:
        data = f.read()
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def dataset(part):
    x = idx(f"mnist-{part}-images.idx.gz").astype(np.float32) / 255
    y = idx(f"mnist-{part}-labels.idx.gz").astype(np.int64)
    return torch.from_numpy(x.reshape(-1, 1, 28, 28).copy()), torch.from_numpy(y.copy())


def model():
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    for m in net:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)  # Keras's glorot_uniform: fan_in = k*k*in, fan_out = k*k*out
            nn.init.zeros_(m.bias)
    return net


def fit(net, x, y, epochs, generator):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    net.train()
    loss = None
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator)
        for start in range(0, x.shape[0], 128):
            index = order[start:start + 128]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[index]), y[index])
            loss.backward()
            optimizer.step()
    return loss.item()


def main():
    threads, epochs = int(sys.argv[1]), int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.set_num_threads(threads)
    x, y = dataset("train")
    x_test, y_test = dataset("test")
    torch.manual_seed(seed + 1000)
    warm, generator = model(), torch.Generator().manual_seed(seed + 1000)
    start = time.perf_counter()
    while time.perf_counter() - start < 1.5:
        fit(warm, x[:128 * 8], y[:128 * 8], 1, generator)
    torch.manual_seed(seed)
    net, generator = model(), torch.Generator().manual_seed(seed)
    start, cpu = time.perf_counter(), time.process_time()
    loss = fit(net, x, y, epochs, generator)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    net.eval()
    with torch.no_grad():
        accuracy = (net(x_test).argmax(1) == y_test).float().mean().item()
    print(json.dumps({"library": "PyTorch", "threads": threads, "epochs": epochs, "seed": seed,
                      "samples_per_s": round(x.shape[0] * epochs / seconds),
                      "samples_per_cpu_s": round(x.shape[0] * epochs / cpu), "final_loss": round(loss, 4),
                      "test_accuracy": round(accuracy, 4)}))


if __name__ == "__main__":
    main()
