#!/usr/bin/env bash
# Side-by-side text-CNN training (issue 13, sequence layers): the corpus's Keras Embedding/Conv1D model on
# hashed ids, LogitNet and PyTorch 1.13 (Debian's python3-torch) in one run, each EPOCHS epochs from seed SEED.
# Usage: bash bench/peers/train_textcnn.sh [THREADS] [EPOCHS] [SEED]. Prints one JSON line per library.
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-2}
epochs=${2:-2}
seed=${3:-0}
export OMP_WAIT_POLICY=PASSIVE
dotnet build -c Release bench/LogitNet.Benchmarks -v q -nologo >/dev/null
/usr/bin/python3 bench/peers/train_textcnn.py "$threads" "$epochs" "$seed"
dotnet bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll --textcnn "$threads" "$epochs" "$seed"
