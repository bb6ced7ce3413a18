#!/usr/bin/env bash
# What train_convnet.sh and train_textcnn.sh share: build the benchmarks in Release, then run the PyTorch
# side (bench/peers/train_NAME.py) and LogitNet's (LogitNet.Benchmarks --NAME) one after the other.
# Usage: bash bench/peers/side_by_side.sh NAME THREADS EPOCHS SEED. Prints one JSON line per library.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1 threads=$2 epochs=$3 seed=$4
export OMP_WAIT_POLICY=PASSIVE
dotnet build -c Release bench/LogitNet.Benchmarks -v q -nologo >/dev/null
# PyTorch with glibc keeping freed memory: its per-step temporaries otherwise come from fresh mmap'd pages,
# and on the Zen 5 VM of session 10 the page faults took its MLP training to a third of its speed (train_mlp.sh).
# The convnet's small parameters do not trigger it (one epoch: 3,769 samples/s without, 3,564 with: noise).
GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=17179869184 \
  /usr/bin/python3 "bench/peers/train_$name.py" "$threads" "$epochs" "$seed"
dotnet bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll "--$name" "$threads" "$epochs" "$seed"
