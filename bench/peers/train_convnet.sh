#!/usr/bin/env bash
# Side-by-side convnet training (issue 13): Keras's "simple MNIST convnet" on the embedded MNIST, LogitNet
# and PyTorch 1.13 (Debian's python3-torch) in one run, alternating, each EPOCHS epochs from seed SEED.
# Usage: bash bench/peers/train_convnet.sh [THREADS] [EPOCHS] [SEED]. Prints one JSON line per library.
exec bash "$(dirname "$0")/side_by_side.sh" convnet "${1:-2}" "${2:-15}" "${3:-0}"
