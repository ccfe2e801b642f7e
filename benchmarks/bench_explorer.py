"""Time one slider move of the interactive explorers in headless Chromium (the issue asks < 100 ms).

    .venv/bin/python benchmarks/bench_explorer.py [--site-dir DIR] [--moves 60]

Builds the site (or uses --site-dir, an existing build), serves it on 127.0.0.1 and, for each
explorer in each language, moves sliders the way a reader does: the slider's value changes and an
`input` event fires. Two times per move:

- update: from setting the value to a finished layout: the explorer's work (iterates of every
  shown run, the SVGs rebuilt) plus the browser's style and layout, forced synchronously;
- next frame: from setting the value to the next requestAnimationFrame callback, so it also
  includes waiting for the display's frame (up to ~17 ms at 60 Hz).

The first 5 moves of each sweep warm the JIT and are not counted. Printed: median, 95th
percentile and maximum in ms, with the load average (other processes slow it down).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
from gdguide_site.chromium import START_EXPLORERS, launch_options  # noqa: E402

MOVE = """async ([key, values]) => {
  const root = document.querySelector('[data-gdguide-explorer]');
  const input = root.querySelector(`input[data-key="${key}"]`);
  const out = [];
  for (const v of values) {
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    const started = performance.now();
    input.value = v;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    root.getBoundingClientRect(); // style + layout now
    const laidOut = performance.now() - started;
    await new Promise((done) => requestAnimationFrame(done));
    out.push([laidOut, performance.now() - started]);
  }
  return out.slice(5);
}"""

SWEEPS = {
    # kind: [(label, setup {key: value}, swept key, values)]
    "regression": [
        ("alpha, 300 steps", {}, "alpha", [0.001 + 0.0005 * i for i in range(78)]),
        (
            "alpha, 1000 steps, norm clip, beta 0.9",
            {"steps": 1000, "beta": 0.9},
            "alpha",
            [0.001 + 0.0005 * i for i in range(78)],
        ),
        ("threshold c, 1000 steps", {"steps": 1000}, "c", [-2 + 0.05 * i for i in range(100)]),
    ],
    "cliffs": [
        ("alpha (wall), 100 steps", {}, "alpha", [0.01 + 0.01 * i for i in range(100)]),
        ("start x0 (wall), 1000 steps", {"steps": 1000}, "x0", [-4 + 0.08 * i for i in range(100)]),
    ],
}
PAGES = {"regression": "algorithms/", "cliffs": "code/"}


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-dir", help="an existing build (default: build one now)")
    parser.add_argument("--moves", type=int, default=65, help="slider moves per sweep")
    args = parser.parse_args()
    temp = None
    if args.site_dir:
        site = Path(args.site_dir)
    else:
        from build_site import build

        temp = tempfile.mkdtemp(prefix="gdguide-bench-")
        site = Path(temp) / "site"
        print("building the site ...", flush=True)
        build(site)
    handler = functools.partial(Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options())
            print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
            print(
                f"{'page':<16} {'sweep':<40} {'update ms (median/p95/max)':>28}"
                f" {'next frame ms (median/p95/max)':>32}"
            )
            for lang in ("zh", "en"):
                for kind, sweeps in SWEEPS.items():
                    for label, setup, key, values in sweeps:
                        page = browser.new_page(viewport={"width": 1200, "height": 900})
                        page.goto(f"{base}/{'en/' if lang == 'en' else ''}{PAGES[kind]}")
                        page.evaluate(START_EXPLORERS)
                        if "beta" in setup:
                            page.locator('input[data-key="clip"][value="norm"]').check()
                        for k, v in setup.items():
                            page.locator(f'input[data-key="{k}"]').fill(str(v))
                        times = page.evaluate(MOVE, [key, [str(v) for v in values[: args.moves]]])
                        update = [t[0] for t in times]
                        frame = [t[1] for t in times]
                        print(
                            f"{lang + ' ' + PAGES[kind]:<16} {label:<40} "
                            f"{statistics.median(update):>10.1f} {percentile(update, 0.95):>7.1f}"
                            f" {max(update):>8.1f} "
                            f"{statistics.median(frame):>12.1f} {percentile(frame, 0.95):>7.1f}"
                            f" {max(frame):>8.1f}",
                            flush=True,
                        )
                        page.close()
            browser.close()
    finally:
        server.shutdown()
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
