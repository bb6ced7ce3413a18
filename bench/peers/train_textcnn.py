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
import sys

import numpy as np
import torch
import torch.nn as nn

import peer_training

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


def main():
    peer_training.run(sys.argv, TextCnn, data(0, TRAIN), data(TRAIN, TEST), 32, nn.BCEWithLogitsLoss(),
                      lambda logits, labels: (logits > 0).float() == labels)


if __name__ == "__main__":
    main()
