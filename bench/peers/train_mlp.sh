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
# Each model in its own process, REPEATS pairs of processes (default 3) per model and thread count, the two libraries
# taking turns at going first. Measured (session 13): this VM's speed moves by 30-40% for minutes at a time, and
# PyTorch's more than LogitNet's (its M at 68.7k samples/s in one full run, 98-108k in five processes minutes later),
# so one process per library per run compared a fast phase of one with a slow phase of the other. The table gives the
# median over the pairs of each pair's ratio, beside each library's median rate.
repeats=${REPEATS:-3}
if ! [[ $repeats =~ ^[1-9][0-9]*$ ]]; then
  echo "REPEATS must be a whole number of process pairs, 1 or more; got '$repeats'." >&2
  exit 2
fi
for threads in 1 2; do
  # The same cores for both. torch.set_num_threads(1) leaves OpenBLAS its own worker threads: measured
  # (session 9), PyTorch's one-thread M run kept a second core busy (user + sys 9-10 s in 4-6 s, most of
  # it sched_yield) and its rate swung from 29k to 65k. OPENBLAS_NUM_THREADS holds OpenBLAS to the count,
  # and the one-thread rows run both libraries on core 0 alone.
  pin=()
  if (( threads == 1 )) && command -v taskset >/dev/null; then pin=(taskset -c 0); fi
  for model in $models; do
    for pair in $(seq "$repeats"); do
      # Odd pairs start with PyTorch, so the first process of a run is the peer's, which writes the noise data
      # files when DATA_DIR lacks them (DATA=mnist wrote its files above).
      if (( pair % 2 )); then order="torch logitnet"; else order="logitnet torch"; fi
      for library in $order; do
        if [[ $library == torch ]]; then
          OPENBLAS_NUM_THREADS=$threads "${pin[@]}" /usr/bin/python3 bench/peers/train_mlp.py "$data" "$threads" "$model"
        else
          "${pin[@]}" dotnet bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll --train "$data" "$threads" "$model"
        fi | sed "s/}\$/, \"pair\": $pair}/" | tee -a "$out"
      done
    done
  done
done

/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
def values(lib, model, threads, key):
    return {r["pair"]: r[key] for r in rows if r["library"] == lib and r["model"] == model and r["threads"] == threads}
def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
print()
print("| model | threads | LogitNet samples/s (median) | PyTorch samples/s (median) | ratio (median of pairs) | per-pair ratios, in pair order | vs PyTorch's best median |")
print("|---|---|---|---|---|---|---|")
for model in ["S", "M", "L"]:
    best = max((median(values("PyTorch", model, t, "samples_per_s").values() or [0])) for t in (1, 2))
    for t in (1, 2):
        ours, theirs = values("LogitNet", model, t, "samples_per_s"), values("PyTorch", model, t, "samples_per_s")
        pairs = [ours[p] / theirs[p] for p in sorted(ours) if p in theirs]
        if pairs:
            print(f"| {model} | {t} | {median(ours.values()):,.0f} | {median(theirs.values()):,.0f} | {median(pairs):.2f}x | "
                  f"{', '.join(f'{r:.2f}' for r in pairs)} | {median(ours.values()) / best:.2f}x |")
ours = [v for t in (1, 2) for v in values("LogitNet", "S-predict-1", t, "microseconds").values()]
theirs = [v for t in (1, 2) for v in values("PyTorch", "S-predict-1", t, "microseconds").values()]
if ours and theirs:
    print()
    print(f"Single-sample Predict of S (best process): LogitNet {min(ours):.2f} us, PyTorch {min(theirs):.2f} us ({min(theirs) / min(ours):.1f}x faster; target 10x)")
PY
