"""`python -m gdguide diagnose` on a generated million-line log: wall time and peak memory.

Writes a CSV log (step, loss, grad_norm, lr; lognormal noise around trends, a few spikes and a
NaN tail) of `--lines` records to a temporary folder, runs the command line on it as a user
would (a fresh process, `--json`), and prints the wall time and the peak resident memory of that
process (`ru_maxrss` of the child), and its CPU time, which a loaded machine inflates less. A
benchmark: it prints and never asserts a time.

    .venv/bin/python benchmarks/bench_diagnose.py [--lines 1000000] [--repeats 3] [--jsonl]

The time depends on the load of the machine (`uptime`), the disk cache and the number of spikes
(each is a Python list entry); the memory on the columns read (8 bytes per value and column, a
few copies) plus the interpreter and numpy (~40 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def write_log(path: Path, lines: int, jsonl: bool) -> None:
    """Write a synthetic log of `lines` records to `path` (CSV, or JSON Lines)."""
    rng = np.random.default_rng(0)
    k = np.arange(lines)
    loss = (0.8 + 3.2 * np.exp(-k / (lines / 8))) * np.exp(rng.normal(0, 0.03, lines))
    norm = (0.4 + 2.0 * np.exp(-k / (lines / 10))) * np.exp(rng.normal(0, 0.25, lines))
    spikes = rng.choice(lines - 100, 20, replace=False)
    norm[spikes] *= 30
    loss[spikes + 3] *= 2.5
    norm[-50:] = np.nan
    lr = 1e-3 * np.minimum(1.0, (k + 1) / 2000)
    with open(path, "w", encoding="utf-8") as out:
        for start in range(0, lines, 100_000):
            s = slice(start, start + 100_000)
            if jsonl:
                rows = (
                    f'{{"step": {a}, "loss": {b:.6g}, "grad_norm": {c:.6g}, "lr": {d:.6g}}}\n'
                    for a, b, c, d in zip(k[s], loss[s], norm[s], lr[s], strict=True)
                )
                out.write("".join(rows).replace("nan", "NaN"))
            else:
                if start == 0:
                    out.write("step,loss,grad_norm,lr\n")
                rows = (
                    f"{a},{b:.6g},{c:.6g},{d:.6g}\n"
                    for a, b, c, d in zip(k[s], loss[s], norm[s], lr[s], strict=True)
                )
                out.write("".join(rows))


def main() -> None:
    """Generate the log, time the command line `--repeats` times, print the best and the memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jsonl", action="store_true", help="JSON Lines instead of CSV")
    args = parser.parse_args()
    if args.lines < 1 or args.repeats < 1:
        parser.error("--lines and --repeats must be >= 1")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("run.jsonl" if args.jsonl else "run.csv")
        write_log(path, args.lines, args.jsonl)
        size = path.stat().st_size
        times, peaks, cpu = [], [], []
        for _ in range(args.repeats):
            start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            result = subprocess.run(
                [sys.executable, "-m", "gdguide", "diagnose", str(path), "--json"],
                capture_output=True,
                text=True,
                check=False,
            )
            times.append(time.perf_counter() - start)
            if result.returncode != 0:
                sys.exit(f"diagnose failed: {result.stderr.strip()}")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            peaks.append(after.ru_maxrss / 1024)
        report = json.loads(result.stdout)
    load = os.getloadavg()[0]
    print(f"log: {args.lines} lines, {size / 1e6:.1f} MB ({path.suffix[1:]}); load {load:.2f}")
    median = sorted(times)[len(times) // 2]
    print(f"diagnose: best {min(times):.2f} s, median {median:.2f} s of {args.repeats}")
    print(f"CPU time (user + system) of the process: best {min(cpu):.2f} s (what the load spares)")
    print(f"peak resident memory of the diagnose process: {max(peaks):.0f} MB")
    print(
        f"found: {len(report['grad_norm_spikes'])} grad-norm spikes, {len(report['loss_spikes'])} "
        f"loss spikes, {len(report['nonfinite_steps'])} non-finite steps"
    )


if __name__ == "__main__":
    main()
