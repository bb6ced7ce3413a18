#!/usr/bin/env bash
# Fresh-process loader benchmark (issue 5): LogitNet's Npy.Read / Idx.Read beside numpy 1.24
# (Debian's python3-numpy), each load in a new process, the two libraries interleaved round by
# round so both see the same machine. Prints one JSON line per load, then a markdown table of the
# median and the range of the call times, and the load average before and after.
#   ROUNDS=7 DATA_DIR=/tmp/loaders bash bench/peers/loaders_cold.sh [npy-f32 npy-u8 idx idx-gz]
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA_DIR:-$(mktemp -d)}
rounds=${ROUNDS:-7}
kinds=${*:-npy-f32 npy-u8 idx idx-gz}
dll=bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll
out=$(mktemp)

dotnet build -c Release bench/LogitNet.Benchmarks -v q -nologo >/dev/null
[ -e "$data/x.idx.gz" ] || dotnet "$dll" --load-files "$data"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  for kind in $kinds; do
    # Alternate which library goes first, so neither always inherits the other's page-cache state.
    if (( round % 2 )); then order="dotnet python"; else order="python dotnet"; fi
    for who in $order; do
      if [ "$who" = dotnet ]; then dotnet "$dll" --load-cold "$kind" "$data"; else /usr/bin/python3 bench/peers/load_numpy.py "$kind" "$data"; fi
    done
  done
done | tee "$out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
print()
print("| load | LogitNet median (min–max) ms | numpy median (min–max) ms | ratio of medians | same sum |")
print("|---|---:|---:|---:|---|")
for kind in dict.fromkeys(r["load"] for r in rows):
    cell, sums = {}, set()
    for lib in ("LogitNet", "numpy"):
        ms = sorted(r["ms"] for r in rows if r["load"] == kind and r["library"] == lib)
        sums |= {r["sum"] for r in rows if r["load"] == kind and r["library"] == lib}
        cell[lib] = (statistics.median(ms), ms[0], ms[-1])
    (a, a0, a1), (b, b0, b1) = cell["LogitNet"], cell["numpy"]
    print(f"| {kind} | {a:,.0f} ({a0:,.0f}–{a1:,.0f}) | {b:,.0f} ({b0:,.0f}–{b1:,.0f}) | {a / b:.2f}x | {'yes' if len(sums) == 1 else 'NO'} |")
PY
