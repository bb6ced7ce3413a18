#!/usr/bin/env bash
# Installs the benchmarks' peer, Debian's OpenBLAS (libopenblas.so.0), if it is missing.
# Only the benchmarks need it; the LogitNet library has no native dependency.
set -euo pipefail

if [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so.0 ] || ldconfig -p 2>/dev/null | grep -q 'libopenblas.so.0'; then
  echo "libopenblas.so.0 is installed."
  exit 0
fi

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd="sudo"
fi

$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq libopenblas0
echo "Installed libopenblas0."
