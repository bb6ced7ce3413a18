#!/usr/bin/env bash
# Side-by-side text-CNN training (issue 13, sequence layers): the corpus's Keras Embedding/Conv1D model on
# hashed ids, LogitNet and PyTorch 1.13 (Debian's python3-torch) in one run, each EPOCHS epochs from seed SEED.
# Usage: bash bench/peers/train_textcnn.sh [THREADS] [EPOCHS] [SEED]. Prints one JSON line per library.
exec bash "$(dirname "$0")/side_by_side.sh" textcnn "${1:-2}" "${2:-2}" "${3:-0}"
