"""Time the full bilingual site build: both `mkdocs build --strict` runs (in parallel, one per
language), notebook execution and KaTeX rendering included, exactly as scripts/build_site.py does.

    .venv/bin/python benchmarks/bench_site_build.py [--runs 3]

The first run warms the environment (bytecode, jieba's dictionary cache, the OS file cache) and is
reported separately; the target (issue 3) is at most 20 s warm on a 2-core machine. It also prints
the load average, since other processes on the machine slow a build. It prints; it never asserts.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from gdguide_site.build import build


def site_size(site: Path) -> tuple[int, int]:
    pages = list(site.rglob("*.html"))
    return len(pages), sum(p.stat().st_size for p in site.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs including the warm-up run")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        for run in range(args.runs):
            load = os.getloadavg()[0]
            wall = time.perf_counter()
            cpu = os.times()
            seconds = build(site)
            cpu_after = os.times()
            children = (
                cpu_after.children_user
                + cpu_after.children_system
                - cpu.children_user
                - cpu.children_system
            )
            rows.append(
                (run, time.perf_counter() - wall, seconds["zh"], seconds["en"], children, load)
            )
        pages, size = site_size(site)
    print(f"bilingual site build, {os.cpu_count()} CPUs, {pages} HTML pages, {size / 1e6:.1f} MB")
    print(f"{'run':>8} {'wall s':>8} {'zh s':>7} {'en s':>7} {'CPU s':>7} {'load':>6}")
    for run, wall, zh, en, cpu_s, load in rows:
        label = "warm-up" if run == 0 else f"warm {run}"
        print(f"{label:>8} {wall:8.1f} {zh:7.1f} {en:7.1f} {cpu_s:7.1f} {load:6.2f}")
    if len(rows) > 1:
        print(f"best warm build: {min(r[1] for r in rows[1:]):.1f} s (target: <= 20 s)")


if __name__ == "__main__":
    main()
