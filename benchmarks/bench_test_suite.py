"""Time the test suite in its parts, as the issues budget them.

    .venv/bin/python benchmarks/bench_test_suite.py

Runs pytest twice in fresh processes: once for the docs, docstring, unit, property, parity,
notebook and site-build tests (issue 3's budget: at most 90 s on this 2-core machine, installs
excluded), once for the real-browser tests (tests/browser/, the explorer parity test included).
Prints wall time, the load average before each run and pytest's closing line. It never asserts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BROWSER = ["tests/browser"]
PARTS = {
    "docs + docstrings + unit + notebooks + site build": [f"--ignore={path}" for path in BROWSER],
    "real browser": BROWSER,
}


def run(arguments: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return time.perf_counter() - start, lines[-1] if lines else f"exit {done.returncode}"


def main() -> None:
    print(f"{'part':52s} {'load':>5s} {'wall s':>7s}  pytest")
    for name, arguments in PARTS.items():
        load = os.getloadavg()[0]
        wall, summary = run(arguments)
        print(f"{name:52s} {load:5.1f} {wall:7.1f}  {summary}")


if __name__ == "__main__":
    main()
