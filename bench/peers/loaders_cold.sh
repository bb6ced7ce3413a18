#!/usr/bin/env bash
# Fresh-process loader benchmark (issue 5): LogitNet's Npy.Read / Idx.Read beside numpy 1.24
# (Debian's python3-numpy), each load in a new process, the two libraries interleaved round by
# round so both see the same machine. Prints one JSON line per load, then a markdown table of the
# median and the range of the call times (the load call alone) and of the whole process (runtime or
# interpreter start, imports, the load, exit), and the load average before and after.
#   ROUNDS=7 DATA_DIR=/tmp/loaders bash bench/peers/loaders_cold.sh [npy-f32 npy-u8 idx idx-gz]
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA_DIR:-$(mktemp -d)}
rounds=${ROUNDS:-7}
kinds=${*:-npy-f32 npy-u8 idx idx-gz}
dll=bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll
out=$(mktemp)

dotnet build -c Release bench/LogitNet.Benchmarks -v q -nologo >"$out" || { cat "$out"; exit 1; }
[ -e "$data/x.idx.gz" ] || dotnet "$dll" --load-files "$data"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  for kind in $kinds; do
    # Alternate which library goes first, so neither always inherits the other's page-cache state.
    if (( round % 2 )); then order="dotnet python"; else order="python dotnet"; fi
    for who in $order; do
      start=$(date +%s%N)
      if [ "$who" = dotnet ]; then line=$(dotnet "$dll" --load-cold "$kind" "$data"); else line=$(/usr/bin/python3 bench/peers/load_numpy.py "$kind" "$data"); fi
      echo "${line%\}}, \"process_ms\": $(( ($(date +%s%N) - start) / 1000000 ))}"
    done
  done
done | tee "$out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
print()
print("| load | LogitNet call, median (min–max) ms | numpy call | ratio | LogitNet process | numpy process | same sum |")
print("|---|---:|---:|---:|---:|---:|---|")
for kind in dict.fromkeys(r["load"] for r in rows):
    cells, sums, medians = [], set(), {}
    for key in ("ms", "process_ms"):
        for lib in ("LogitNet", "numpy"):
            values = sorted(r[key] for r in rows if r["load"] == kind and r["library"] == lib)
            sums |= {r["sum"] for r in rows if r["load"] == kind and r["library"] == lib}
            medians[key, lib] = statistics.median(values)
            cells.append(f"{medians[key, lib]:,.0f} ({values[0]:,.0f}–{values[-1]:,.0f})")
        if key == "ms":
            cells.append(f"{medians['ms', 'LogitNet'] / medians['ms', 'numpy']:.2f}x")
    print(f"| {kind} | {' | '.join(cells)} | {'yes' if len(sums) == 1 else 'NO'} |")
PY
