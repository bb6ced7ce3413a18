"""PyTorch side of the text-CNN benchmark (issue 13, sequence layers), timed as
bench/LogitNet.Benchmarks/TextCnnTraining.cs times LogitNet.

Usage: train_textcnn.py THREADS EPOCHS [SEED]
  The corpus's Keras text model (110_Rohan581...: Embedding(5000, 40), Conv1D(20, 6, relu), MaxPooling1D(5),
  Conv1D(20, 6, relu), GlobalMaxPooling1D, Dense(1)) with Keras's initializers (embeddings uniform ±0.05,
  Glorot-uniform kernels, zero biases), logits and binary cross-entropy from logits, Adam(1e-3, eps=1e-7),
  batches of 32, shuffled. Data: 8,000 training and 2,000 test sequences of 200 ids from the integer hash
  below (the same formula as the C# side), labelled 1 when an id below 20 occurs. Prints one JSON line:
  training samples/s (after a warm-up model trained for 1.5 s), samples per second of process CPU time, and
  test accuracy. PyTorch's Conv1d is channels first: the embedding's output is transposed once.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn

VOCABULARY, STEPS, TRAIN, TEST = 5000, 200, 8000, 2000


def data(first, count):
    i = np.arange(first, first + count, dtype=np.uint64)[:, None]
    t = np.arange(STEPS, dtype=np.uint64)[None, :]
    h = ((i * np.uint64(7919) + t * np.uint64(104729) + np.uint64(12345)) * np.uint64(2654435761)) % np.uint64(1 << 32)
    ids = (h % np.uint64(VOCABULARY)).astype(np.int64)
    labels = (ids < 20).any(axis=1).astype(np.float32)
    return torch.from_numpy(ids), torch.from_numpy(labels)


class TextCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCABULARY, 40)
        self.conv1, self.conv2 = nn.Conv1d(40, 20, 6), nn.Conv1d(20, 20, 6)
        self.pool = nn.MaxPool1d(5)
        self.dense = nn.Linear(20, 1)
        nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
        for m in (self.conv1, self.conv2, self.dense):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, ids):
        x = self.embedding(ids).transpose(1, 2)
        x = self.pool(torch.relu(self.conv1(x)))
        x = torch.relu(self.conv2(x)).amax(dim=2)
        return self.dense(x).squeeze(1)


def fit(net, x, y, epochs, generator):
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.BCEWithLogitsLoss()
    net.train()
    loss = None
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator)
        for start in range(0, x.shape[0], 32):
            index = order[start:start + 32]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[index]), y[index])
            loss.backward()
            optimizer.step()
    return loss.item()


def main():
    threads, epochs = int(sys.argv[1]), int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.set_num_threads(threads)
    x, y = data(0, TRAIN)
    x_test, y_test = data(TRAIN, TEST)
    torch.manual_seed(seed + 1000)
    warm, generator = TextCnn(), torch.Generator().manual_seed(seed + 1000)
    start = time.perf_counter()
    while time.perf_counter() - start < 1.5:
        fit(warm, x[:32 * 8], y[:32 * 8], 1, generator)
    torch.manual_seed(seed)
    net, generator = TextCnn(), torch.Generator().manual_seed(seed)
    start, cpu = time.perf_counter(), time.process_time()
    loss = fit(net, x, y, epochs, generator)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    net.eval()
    with torch.no_grad():
        accuracy = ((net(x_test) > 0).float() == y_test).float().mean().item()
    print(json.dumps({"library": "PyTorch", "threads": threads, "epochs": epochs, "seed": seed,
                      "samples_per_s": round(TRAIN * epochs / seconds),
                      "samples_per_cpu_s": round(TRAIN * epochs / cpu), "final_loss": round(loss, 4),
                      "test_accuracy": round(accuracy, 4)}))


if __name__ == "__main__":
    main()
