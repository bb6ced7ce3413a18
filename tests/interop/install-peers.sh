#!/usr/bin/env bash
# Installs what the interop tests run LogitNet's files through, if it is missing:
# npm's onnxruntime-node (CPU build) here, and Debian's python3-numpy. Called by the test
# project's build, so `dotnet test` works on a fresh machine. Never needed by the library.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -f node_modules/onnxruntime-node/package.json ]; then
  # Its install script would fetch GPU binaries from outside; the CPU runtime ships in the package.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi

if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >/dev/null
  else
    echo "install-peers.sh: python3-numpy is missing; install it (apt-get install python3-numpy) for the interop tests." >&2
  fi
fi
