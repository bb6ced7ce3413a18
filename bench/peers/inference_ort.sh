#!/usr/bin/env bash
# Side-by-side inference benchmark (issue 11): LogitNet's Sequential.Predict / PredictProba against
# ONNX Runtime 1.32 (the .NET package, 2 intra-op threads, IOBinding) running our own ExportOnnx of
# the same weights, models S 784-25-15-10, M 784-128-64-10, L 784-1024-1024-10, C (Keras's simple MNIST
# convnet) and T (the corpus's text CNN), batches of 1, 32 and 1000.
# Each engine runs in its own process (ONNX Runtime's spinning threads would slow LogitNet's, and the
# reverse), one process per engine per model, engines alternating; REPEATS processes each (default 3),
# and the table gives the median over them of each process's time (its fastest of ten rounds: the
# machine is shared, see InferenceSideBySide.cs). Prints the ratio ORT time / LogitNet time (> 1: LogitNet
# is faster). Needs only the .NET SDK (the ONNX Runtime package comes from NuGet) and python3 for the table.
# Usage: bash bench/peers/inference_ort.sh [MODELS...]   (default S M L C T; REPEATS=3; INFERENCE_BATCHES=1,32,1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
models=${*:-S M L C T}
repeats=${REPEATS:-3}
dir=$(mktemp -d)
out=$(mktemp)
trap 'rm -rf "$dir"' EXIT

dotnet build -c Release bench/LogitNet.Benchmarks -v q -nologo >/dev/null
bench=bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll
dotnet "$bench" --inference-setup "$dir"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The host's phase: small batches split between the two cores follow how fast a cache line crosses between them.
dotnet "$bench" --handoff
for run in $(seq "$repeats"); do
  for model in $models; do
    # Alternate which engine goes first, so a slow phase of the machine does not always hit the same one.
    if (( run % 2 )); then engines="ort logitnet"; else engines="logitnet ort"; fi
    for engine in $engines; do
      dotnet "$bench" --inference "$engine" "$dir" "$model" | sed "s/}\$/, \"run\": $run}/" | tee -a "$out"
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$bench" --handoff

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
def times(engine, model, batch, kind):
    return [r["us"] for r in rows if (r["engine"], r["model"], r["batch"], r["kind"]) == (engine, model, batch, kind)]
def us(t):
    return f"{t:,.1f} µs" if t < 10_000 else f"{t / 1000:,.2f} ms"
print()
print("| model | batch | call | ORT | LogitNet | ratio ORT / LogitNet | per-run ratios |")
print("|---|---|---|---|---|---|---|")
for model in ["S", "M", "L", "C", "T"]:
    for batch in sorted({r["batch"] for r in rows}):
        for kind in ("predict", "proba"):
            ort, ours = times("ORT", model, batch, kind), times("LogitNet", model, batch, kind)
            if not ort or not ours:
                continue
            runs = sorted(o / l for o, l in zip(ort, ours))
            o, l = statistics.median(ort), statistics.median(ours)
            call = "Predict" if kind == "predict" else "PredictProba (ORT: softmax in the graph)"
            print(f"| {model} | {batch} | {call} | {us(o)} | {us(l)} | {o / l:.2f} | {', '.join(f'{r:.2f}' for r in runs)} |")
PY
