#!/usr/bin/env bash
# Makes the numpy interop references that tests/LogitNet.Tests/Serialization/NumpyInteropTests.cs
# checks against, so the test suite needs no Python: numpy reads a model file LogitNet wrote (weights,
# Adam's moments, the step count, a dropout generator's state) and writes what it saw (shapes, SHA-256
# of the bytes, integer values), and np.save writes an array of special values that LogitNet's
# Npy.Write must reproduce byte for byte.
# Re-run it (and commit its output) only when the file formats change on purpose.
# Needs Debian's python3-numpy (apt-get install python3-numpy) and the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/LogitNet.Tests/Data/interop
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A small model with every kind of saved state: Dense weights and biases, a Dropout layer's generator,
# Adam's slots and iteration count.
dotnet run --project src/LogitNet.Cli -- train --dataset blobs --layers 9:tanh,dropout:0.2,4 --epochs 2 \
  --seed 5 --output "$work/model.logitnet" >/dev/null
cp "$work/model.logitnet" "$out/model.logitnet"

/usr/bin/python3 - "$out/special.npy" <<'PY'
import sys
import numpy as np
# By bit pattern, so each byte is fixed: .NET's float.NaN (sign bit set, unlike np.nan), -inf, -0,
# the smallest subnormal, the largest float, 1.5.
bits = np.array([[0xFFC00000, 0xFF800000, 0x80000000], [0x00000001, 0x7F7FFFFF, 0x3FC00000]], dtype="<u4")
special = bits.view("<f4")
np.save(sys.argv[1], special, allow_pickle=False)
PY

/usr/bin/python3 tools/numpy-interop/read_with_numpy.py "$out/model.logitnet" "$out/special.npy" > "$out/numpy_read.json"
echo "wrote $out/model.logitnet, special.npy, numpy_read.json (numpy $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)'))"
