#!/usr/bin/env bash
# Fresh-process loader benchmark (issue 5): LogitNet's Npy.Read / Idx.Read beside numpy 1.24
# (Debian's python3-numpy), each load in a new process, the libraries interleaved round by round
# so all see the same machine. Prints one JSON line per load, then a markdown table of the medians
# and ranges of the call time (the load call alone), of the JIT's share of it, and of the whole
# process (runtime or interpreter start, imports, the load, exit), with the load average before
# and after.
#   ROUNDS=7 DATA_DIR=/tmp/loaders bash bench/peers/loaders_cold.sh [npy-f32 npy-u8 idx idx-gz]
# BASELINE_DLL=path/to/LogitNet.Benchmarks.dll adds a build of another commit (e.g. one from before
# a change, built from `git archive`) as a third column, run in the same rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${DATA_DIR:-$(mktemp -d)}
rounds=${ROUNDS:-7}
kinds=${*:-npy-f32 npy-u8 idx idx-gz}
dll=bench/LogitNet.Benchmarks/bin/Release/net10.0/LogitNet.Benchmarks.dll
baseline=${BASELINE_DLL:-}
out=$(mktemp)

dotnet build -c Release bench/LogitNet.Benchmarks -v q -nologo >"$out" || { cat "$out"; exit 1; }
[ -e "$data/x.idx.gz" ] || dotnet "$dll" --load-files "$data"
who_all="dotnet python${baseline:+ baseline}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  for kind in $kinds; do
    # Rotate which library goes first, so none always inherits the others' page-cache state.
    order=$(echo $who_all | tr ' ' '\n' | awk -v r="$round" '{ a[NR] = $0 } END { for (i = 0; i < NR; i++) print a[(i + r) % NR + 1] }')
    for who in $order; do
      start=$(date +%s%N)
      case $who in
        dotnet) line=$(dotnet "$dll" --load-cold "$kind" "$data") ;;
        baseline) line=$(dotnet "$baseline" --load-cold "$kind" "$data"); line=${line/\"LogitNet\"/\"baseline\"} ;;
        python) line=$(/usr/bin/python3 bench/peers/load_numpy.py "$kind" "$data") ;;
      esac
      echo "${line%\}}, \"process_ms\": $(( ($(date +%s%N) - start) / 1000000 ))}"
    done
  done
done | tee "$out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
libs = [lib for lib in ("LogitNet", "baseline", "numpy") if any(r["library"] == lib for r in rows)]

def cell(kind, lib, key):
    values = sorted(r[key] for r in rows if r["load"] == kind and r["library"] == lib and key in r)
    return (statistics.median(values), f"{statistics.median(values):,.0f} ({values[0]:,.0f}–{values[-1]:,.0f})") if values else (None, "–")

print()
heads = [f"{lib} call ms" for lib in libs] + ["LogitNet / numpy", "LogitNet JIT ms"] + [f"{lib} process ms" for lib in libs] + ["same sum"]
print("| load | " + " | ".join(heads) + " |")
print("|---|" + "---:|" * (len(heads) - 1) + "---|")
for kind in dict.fromkeys(r["load"] for r in rows):
    calls = {lib: cell(kind, lib, "ms") for lib in libs}
    cells = [calls[lib][1] for lib in libs]
    cells.append(f"{calls['LogitNet'][0] / calls['numpy'][0]:.2f}x")
    cells.append(cell(kind, "LogitNet", "jit_ms")[1])
    cells += [cell(kind, lib, "process_ms")[1] for lib in libs]
    sums = {r["sum"] for r in rows if r["load"] == kind}
    print(f"| {kind} | {' | '.join(cells)} | {'yes' if len(sums) == 1 else 'NO'} |")
print()
print("Medians, with the range over the rounds in brackets; the call is the load alone, the process")
print("includes starting the runtime or interpreter.")
PY
