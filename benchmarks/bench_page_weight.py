"""Page weight and time to first render of every page, served with gzip as a static host serves it.

    .venv/bin/python benchmarks/bench_page_weight.py [--site-dir site] [--build]

The built site (`--build` builds it first with scripts/build_site.py) is served from 127.0.0.1 by a
small server that does what GitHub Pages and most static hosts do and `http.server` does not:
gzip for text (HTML, CSS, JS, JSON, SVG, XML), `ETag` and `Cache-Control: max-age=600`. Bytes are
counted where they leave the server (headers and body, as sent), so requests made by Material's
search worker (the search index) are counted too. Per page, in headless Chromium (the browser tests'
launch options):

- first visit: an empty cache, the page alone, until the network is idle (search index included);
- following page: the home page first, then this page (assets and search index cached);
- first contentful paint of the first visit.

Budget (issue 4): heaviest first visit <= 400 kB, following page <= 100 kB. Prints a table and
whether the budget holds; it never asserts.
"""

from __future__ import annotations

import argparse
import email.utils
import functools
import gzip
import os
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from gdguide_site.build import build  # noqa: E402
from gdguide_site.chromium import launch_options  # noqa: E402
from gdguide_site.serve import SiteHandler  # noqa: E402

COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml", ".map", ".txt", ".ipynb"}
FIRST_VISIT_BUDGET = 400_000
FOLLOWING_BUDGET = 100_000


class Meter:
    """Bytes sent by the server, by URL path, since the last reset."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: dict[str, int] = {}

    def add(self, path: str, count: int) -> None:
        with self.lock:
            self.sent[path] = self.sent.get(path, 0) + count

    def take(self) -> dict[str, int]:
        with self.lock:
            sent, self.sent = self.sent, {}
        return sent


class GzipHandler(SiteHandler):
    """Static files the way a static host sends them: gzip, ETag, a short max-age."""

    meter: Meter
    cache: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802 - http.server's naming
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if not path.is_file():
            return super().do_GET()  # redirects and the site's 404 pages
        stat = path.stat()
        etag = f'"{stat.st_size:x}-{int(stat.st_mtime):x}"'
        zipped = path.suffix in COMPRESSED and "gzip" in self.headers.get("Accept-Encoding", "")
        headers = {
            "Content-Type": self.guess_type(str(path)),
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(stat.st_mtime, usegmt=True),
            "Cache-Control": "max-age=600",
            "Vary": "Accept-Encoding",
        }
        if self.headers.get("If-None-Match") == etag:
            self.respond(304, headers, b"")
            return None
        body = path.read_bytes()
        if zipped:
            key = str(path)
            if key not in self.cache:
                self.cache[key] = gzip.compress(body, compresslevel=6, mtime=0)
            body = self.cache[key]
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        self.respond(200, headers, body)
        return None

    def respond(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        head = len(f"HTTP/1.0 {status} OK\r\n") + sum(
            len(f"{k}: {v}\r\n") for k, v in headers.items()
        )
        self.meter.add(self.path.split("?")[0], head + 2 + len(body))


def page_paths(site: Path) -> list[str]:
    paths = []
    for index in sorted(site.rglob("index.html")):
        relative = index.parent.relative_to(site).as_posix()
        paths.append("" if relative == "." else f"{relative}/")
    return sorted(paths, key=lambda p: (p.startswith("en/"), p))


FCP = """() => new Promise((resolve) => {
  const done = () => {
    const entry = performance.getEntriesByName('first-contentful-paint')[0];
    if (entry) { resolve(entry.startTime); return true; }
    return false;
  };
  if (!done()) new PerformanceObserver(() => done()).observe({type: 'paint', buffered: true});
})"""


def measure(site: Path, only: list[str] | None = None) -> list[dict]:
    from playwright.sync_api import sync_playwright

    meter = Meter()
    handler = functools.partial(
        type("Handler", (GzipHandler,), {"meter": meter}), directory=str(site)
    )
    rows = []
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options())
            for path in only or page_paths(site):
                home = "en/" if path.startswith("en/") else ""
                context = browser.new_context(viewport={"width": 390, "height": 844})
                page = context.new_page()
                meter.take()
                page.goto(base + path, wait_until="networkidle")
                fcp = page.evaluate(FCP)
                first = meter.take()
                context.close()
                context = browser.new_context(viewport={"width": 390, "height": 844})
                page = context.new_page()
                page.goto(base + home, wait_until="networkidle")
                meter.take()
                page.goto(base + path, wait_until="networkidle")
                following = meter.take()
                context.close()
                index = sum(v for k, v in first.items() if k.endswith("search_index.json"))
                biggest = max(first.items(), key=lambda kv: kv[1])
                rows.append(
                    {
                        "page": "/" + path,
                        "first": sum(first.values()),
                        "index": index,
                        "requests": len(first),
                        "following": sum(following.values()),
                        "fcp": fcp,
                        "biggest": biggest,
                        "first_requests": first,
                        "following_requests": following,
                    }
                )
            browser.close()
        server.shutdown()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-dir", default=str(ROOT / "site"))
    parser.add_argument("--build", action="store_true", help="build the site first")
    parser.add_argument(
        "--detail",
        nargs="*",
        metavar="PATH",
        help="list every request; of these pages only (below the site root, e.g. algorithms/), "
        "or of all pages when none is named",
    )
    args = parser.parse_args()
    site = Path(args.site_dir).resolve()
    if args.build or not (site / "index.html").is_file():
        build(site)
    rows = measure(site, args.detail)
    print(
        f"{'page':40} {'first kB':>9} {'index kB':>9} {'req':>4} {'next kB':>8} {'FCP ms':>7}"
        "  largest"
    )
    for r in rows:
        name, size = r["biggest"]
        print(
            f"{r['page']:40} {r['first'] / 1000:9.1f} {r['index'] / 1000:9.1f} {r['requests']:4d} "
            f"{r['following'] / 1000:8.1f} {r['fcp']:7.0f}  {name} {size / 1000:.1f} kB"
        )
    if args.detail is not None:
        for r in rows:
            for visit in ("first", "following"):
                print(f"\n{r['page']} {visit} visit:")
                requests = r[f"{visit}_requests"]
                for name, size in sorted(requests.items(), key=lambda kv: -kv[1]):
                    print(f"  {size / 1000:8.1f} kB  {name}")
    heaviest = max(rows, key=lambda r: r["first"])
    following = max(rows, key=lambda r: r["following"])
    print(
        f"\nheaviest first visit: {heaviest['page']} {heaviest['first'] / 1000:.1f} kB "
        f"(budget {FIRST_VISIT_BUDGET / 1000:.0f} kB: "
        f"{'ok' if heaviest['first'] <= FIRST_VISIT_BUDGET else 'OVER'}); "
        f"heaviest following page: {following['page']} {following['following'] / 1000:.1f} kB "
        f"(budget {FOLLOWING_BUDGET / 1000:.0f} kB: "
        f"{'ok' if following['following'] <= FOLLOWING_BUDGET else 'OVER'}); "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
