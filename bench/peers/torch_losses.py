#!/usr/bin/python3
"""Side-by-side: PyTorch's fused losses (forward + backward) against LogitNet's Loss.Compute.

Times, for logits [8192, 1000] and [65536, 10] with class ids, F.cross_entropy, and for 10^7 logits with
0/1 labels, F.binary_cross_entropy_with_logits: the forward pass with mean reduction and the backward pass
to the logits' gradient, on 1 and 2 threads, in PyTorch's fastest CPU settings (ATEN_CPU_CAPABILITY=avx512,
set before torch is imported). Then runs LogitNet's harness (bench/LogitNet.Benchmarks --quick-losses) for
the same thread counts and prints one table with GB/s (logits read plus gradient written) and the ratio
of throughputs. Both sides report the median and best wall time of repeated runs after a warm-up, and
the process CPU time per call, which other load on the machine inflates far less than wall time; the
script interleaves the two sides per thread count so both see the same conditions.

Usage: /usr/bin/python3 bench/peers/torch_losses.py [--markdown]
"""
import os
import re
import subprocess
import sys
import time

# AVX-512 kernels only where the CPU has them: forced on an AVX2-only CPU, PyTorch dies of an illegal instruction.
with open("/proc/cpuinfo") as cpuinfo:
    os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx512" if " avx512f" in cpuinfo.read() else "avx2")

import torch  # noqa: E402  (the capability must be set before the import)
import torch.nn.functional as F  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS = os.path.join(ROOT, "bench", "LogitNet.Benchmarks", "bin", "Release", "net10.0", "LogitNet.Benchmarks.dll")
CASES = ["softmax-8192x1000", "softmax-65536x10", "binary-1e7"]


def make(case):
    g = torch.Generator().manual_seed(1)
    if case.startswith("softmax"):
        rows, classes = (8192, 1000) if case == "softmax-8192x1000" else (65536, 10)
        logits = (torch.randn(rows, classes, generator=g) * 3).requires_grad_()
        labels = torch.randint(0, classes, (rows,), generator=g)
        return logits, labels, lambda x, y: F.cross_entropy(x, y)
    n = 10_000_000
    logits = (torch.randn(n, 1, generator=g) * 4).requires_grad_()
    labels = (torch.rand(n, 1, generator=g) < 0.5).float()
    return logits, labels, lambda x, y: F.binary_cross_entropy_with_logits(x, y)


def time_torch(case, threads):
    torch.set_num_threads(threads)
    logits, labels, loss_fn = make(case)

    def step():
        logits.grad = None
        loss = loss_fn(logits, labels)
        loss.backward()
        return loss

    for _ in range(3):
        step()
    times = []
    start_all = time.perf_counter()
    cpu_start = time.process_time()
    while len(times) < 20 or (time.perf_counter() - start_all < 1.5 and len(times) < 400):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    cpu = (time.process_time() - cpu_start) * 1e3 / len(times)
    times.sort()
    return times[len(times) // 2], times[0], cpu, logits.numel() * 4 * 2


def time_logitnet(threads):
    out = subprocess.run(["dotnet", HARNESS, "--quick-losses", str(threads)], check=True, capture_output=True, text=True).stdout
    results = {}
    for line in out.splitlines():
        m = re.match(r"logitnet (\S+) threads=\d+ median_ms=([\d.]+) best_ms=([\d.]+) cpu_ms=([\d.]+) copy_ms=([\d.]+)", line)
        if m:
            results[m.group(1)] = tuple(float(m.group(i)) for i in range(2, 6))
    return results


def main():
    if not os.path.exists(HARNESS):
        subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "bench", "LogitNet.Benchmarks")], check=True,
                       capture_output=True)
    rows = []
    loads = [os.getloadavg()[0]]
    for threads in (1, 2):
        ours = time_logitnet(threads)
        for case in CASES:
            t_median, t_best, t_cpu, nbytes = time_torch(case, threads)
            l_median, l_best, l_cpu, copy = ours[case]
            rows.append((case, threads, t_median, t_best, t_cpu, l_median, l_best, l_cpu, copy, nbytes))
        loads.append(os.getloadavg()[0])
    print(f"torch {torch.__version__}, ATEN_CPU_CAPABILITY={os.environ['ATEN_CPU_CAPABILITY']}, "
          f"{os.cpu_count()} cores, 1-minute load average {min(loads):.1f} to {max(loads):.1f} during the run")
    print("| case | threads | PyTorch ms median / best (CPU) | LogitNet ms median / best (CPU) | copy ms | "
          "PyTorch GB/s | LogitNet GB/s | copy GB/s | speed-up: median | best | CPU time |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case, threads, t_median, t_best, t_cpu, l_median, l_best, l_cpu, copy, nbytes in rows:
        gbps = lambda ms: nbytes / (ms * 1e6)
        print(f"| {case} | {threads} | {t_median:.2f} / {t_best:.2f} ({t_cpu:.2f}) | {l_median:.2f} / {l_best:.2f} ({l_cpu:.2f}) | "
              f"{copy:.2f} | {gbps(t_best):.1f} | {gbps(l_best):.1f} | {gbps(copy):.1f} | "
              f"{t_median / l_median:.2f}× | {t_best / l_best:.2f}× | {t_cpu / l_cpu:.2f}× |")
    print("GB/s from the best times: bytes of logits read plus gradient written. CPU time is the process's, per call.")


if __name__ == "__main__":
    main()
