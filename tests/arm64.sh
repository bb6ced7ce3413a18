#!/usr/bin/env bash
# The unit tests on Arm64, under qemu-user emulation on an x64 machine.
#
# Arm CPUs run paths no x64 setting reaches: the GEMM's 128-bit kernels as the kernel of choice (x64 takes them only
# with FMA, which .NET 10 turns off together with AVX2), AdvSimd under every Vector128 kernel, Vector<float> of 4
# lanes. This builds LogitNet.Tests for linux-arm64 with the in-process runner (tests/LogitNet.TestRunner: `dotnet
# test` cannot start an arm64 test host on x64) and runs it under qemu-aarch64. Emulation says nothing of speed.
#
# Two settings of the emulation, not of LogitNet:
# - DOTNET_EnableWriteXorExecute=0: .NET writes new machine code through a second mapping of the same memory, which
#   qemu-user does not watch, so it would go on running its translation of the old code (tiered compilation replaces
#   code while the tests run). With W^X on, about half the runs failed at random (wrong bits, access violations);
#   with it off, none.
# - The huge-page test is left out: qemu-user accepts madvise and does nothing, so no page is ever advised.
# What emulation does not check: Arm's weaker memory ordering. qemu runs the threads on x64 cores, whose stores and
# loads keep x64's order; the code's barriers for Arm (Volatile reads, Interlocked) are reviewed, not tested here.
#
# Usage: tests/arm64.sh [NAME ...] [-NAME ...] [--verbose]  (the runner's filters; none: every test).
# Installs what it needs from Debian's packages (qemu-user-static and the arm64 C runtime) when it is missing, on
# Debian (elsewhere it names the packages to install).
set -euo pipefail
cd "$(dirname "$0")/.."

arm_libs=(libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 libssl3:arm64 zlib1g:arm64)
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2> /dev/null)" = installed ]; }
missing=0
for package in qemu-user-static "${arm_libs[@]}"; do installed "$package" || missing=1; done
if [ "$missing" -ne 0 ]; then
  # Debian's mirrors carry every architecture; Ubuntu's main archive has no arm64 packages, and an arm64 architecture
  # added there would make every later apt-get update fail. Elsewhere, install the packages above by hand.
  if ! grep -qx 'ID=debian' /etc/os-release 2> /dev/null; then
    echo "tests/arm64.sh installs qemu-user-static and ${arm_libs[*]} on Debian only; install them, then run it again." >&2
    exit 2
  fi
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  echo "== installing qemu-user-static and the arm64 C runtime (Debian packages)"
  "${sudo[@]}" dpkg --add-architecture arm64
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static "${arm_libs[@]}" > /dev/null
fi

echo "== building the tests for linux-arm64"
dotnet publish tests/LogitNet.TestRunner -c Release -r linux-arm64 --self-contained -v quiet -nologo
runner=tests/LogitNet.TestRunner/bin/Release/net10.0/linux-arm64/publish/LogitNet.TestRunner

echo "== running them under qemu-aarch64"
DOTNET_EnableWriteXorExecute=0 qemu-aarch64-static -L / "$runner" -LargeTensors_AreAdvisedHugePages "$@"
