#!/usr/bin/env bash
# Installs the benchmarks' peers where they are missing: Debian's OpenBLAS (libopenblas.so.0, the GEMM peer, loaded
# in-process) and, for /usr/bin/python3, PyTorch 1.13 and numpy (the training and loss peers in bench/peers).
# Only the benchmarks need them; the LogitNet library and its tests have no native or Python dependency.
set -euo pipefail

packages=()
if ! { [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so.0 ] || ldconfig -p 2>/dev/null | grep -q 'libopenblas.so.0'; }; then
  packages+=(libopenblas0)
fi
# The peer scripts run on Debian's own interpreter: a python3 earlier on PATH may be a separate build without these.
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  packages+=(python3-torch)
fi
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  packages+=(python3-numpy)
fi

if [ ${#packages[@]} -eq 0 ]; then
  echo "The peers are installed: libopenblas.so.0, and PyTorch and numpy for /usr/bin/python3."
  exit 0
fi

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd="sudo"
fi

$sudo_cmd apt-get update -qq
$sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"
echo "Installed ${packages[*]}."
