#!/usr/bin/env bash
# Side-by-side MLP training benchmark (issue 4): LogitNet and PyTorch 1.13 (Debian's python3-torch)
# train the same MLPs on the same data, 1 thread and 2, in one run: MNIST-shaped noise with random labels
# (default), or the embedded MNIST digits with DATA=mnist.
# Prints a markdown table with the ratios; `bash bench/setup.sh` installs the peers first.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA_DIR:-$(mktemp -d)}
models=${MODELS:-S M L}
out=$(mktemp)

# PyTorch's fastest settings on the CPU at hand (its AVX-512 kernels and OpenBLAS's SKYLAKEX kernel
# where the CPU has AVX-512, AVX2 and HASWELL otherwise: forcing avx512 on an AVX2-only CPU crashes
# PyTorch with an illegal instruction), no spinning.
if grep -qw avx512f /proc/cpuinfo; then
  export ATEN_CPU_CAPABILITY=avx512 OPENBLAS_CORETYPE=SKYLAKEX
else
  export ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=HASWELL
fi
export OMP_WAIT_POLICY=PASSIVE
# glibc's malloc serves large blocks with mmap and returns freed memory to the kernel, so PyTorch's Adam, which
# allocates several parameter-sized temporaries per step (sqrt, div), page-faults its way through fresh zeroed
# pages every step. On the Zen 5 VM of session 10 page faults are expensive: L on two threads trained at 5.6-6.0k
# samples/s without these settings and 16.1-16.6k with them (alternating processes). Keeping freed memory is
# PyTorch's best setting here; LogitNet (the .NET GC) does not use malloc for its arrays.
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=17179869184
dotnet build -c Release bench/LogitNet.Benchmarks -v q -nologo >/dev/null
# DATA=mnist: the embedded MNIST digits (repeated to 60,000 rows) instead of noise with random labels, on which
# every model collapses and most ReLU units die. Give it its own DATA_DIR: the noise files are written only when
# missing.
if [[ ${DATA:-noise} == mnist ]]; then
  dotnet bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll --write-mnist "$data"
fi
for threads in 1 2; do
  # The same cores for both. torch.set_num_threads(1) leaves OpenBLAS its own worker threads: measured
  # (session 9), PyTorch's one-thread M run kept a second core busy (user + sys 9-10 s in 4-6 s, most of
  # it sched_yield) and its rate swung from 29k to 65k. OPENBLAS_NUM_THREADS holds OpenBLAS to the count,
  # and the one-thread rows run both libraries on core 0 alone.
  pin=()
  if (( threads == 1 )) && command -v taskset >/dev/null; then pin=(taskset -c 0); fi
  OPENBLAS_NUM_THREADS=$threads "${pin[@]}" /usr/bin/python3 bench/peers/train_mlp.py "$data" "$threads" $models | tee -a "$out"
  "${pin[@]}" dotnet bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll --train "$data" "$threads" $models | tee -a "$out"
done

/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
def pick(lib, model, threads, key):
    return next((r[key] for r in rows if r["library"] == lib and r["model"] == model and r["threads"] == threads), None)
print()
print("| model | threads | LogitNet samples/s | PyTorch samples/s | ratio | vs PyTorch's best |")
print("|---|---|---|---|---|---|")
for model in ["S", "M", "L"]:
    best = max((pick("PyTorch", model, t, "samples_per_s") or 0) for t in (1, 2))
    for t in (1, 2):
        ours, theirs = pick("LogitNet", model, t, "samples_per_s"), pick("PyTorch", model, t, "samples_per_s")
        if ours and theirs:
            print(f"| {model} | {t} | {ours:,} | {theirs:,} | {ours / theirs:.2f}x | {ours / best:.2f}x |")
ours = min(pick("LogitNet", "S-predict-1", t, "microseconds") or 1e9 for t in (1, 2))
theirs = min(pick("PyTorch", "S-predict-1", t, "microseconds") or 1e9 for t in (1, 2))
print()
print(f"Single-sample Predict of S: LogitNet {ours:.2f} us, PyTorch {theirs:.2f} us ({theirs / ours:.1f}x faster; target 10x)")
PY
