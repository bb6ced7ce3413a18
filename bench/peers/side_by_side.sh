#!/usr/bin/env bash
# What train_convnet.sh and train_textcnn.sh share: build the benchmarks in Release, then run the PyTorch
# side (bench/peers/train_NAME.py) and LogitNet's (LogitNet.Benchmarks --NAME) one after the other.
# Usage: bash bench/peers/side_by_side.sh NAME THREADS EPOCHS SEED. Prints one JSON line per library.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1 threads=$2 epochs=$3 seed=$4
export OMP_WAIT_POLICY=PASSIVE
dotnet build -c Release bench/LogitNet.Benchmarks -v q -nologo >/dev/null
/usr/bin/python3 "bench/peers/train_$name.py" "$threads" "$epochs" "$seed"
dotnet bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll "--$name" "$threads" "$epochs" "$seed"
