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
import os
import sys

import numpy as np
import torch
import torch.nn as nn

import peer_training

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


def main():
    peer_training.run(sys.argv, model, dataset("train"), dataset("test"), 128, nn.CrossEntropyLoss(),
                      lambda outputs, labels: outputs.argmax(1) == labels)


if __name__ == "__main__":
    main()
