"""Build the whole site (中文 at /, English at /en/) into site/ and serve it on 127.0.0.1.

    .venv/bin/python scripts/serve_site.py [--port 8000] [--no-watch]

The site is served as the static folder a host would serve (`site/`, both languages at once).
While it runs, a change under docs/, gdguide/, site_tools/ or to the mkdocs configs rebuilds
both languages (strictly, as the tests do) and swaps the new site in; a failed rebuild keeps the
old site and prints why.
"""

from __future__ import annotations

import argparse
import functools
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from gdguide_site.build import ROOT, SiteBuildError, build

WATCHED = [
    ROOT / "docs",
    ROOT / "gdguide",
    ROOT / "site_tools" / "gdguide_site",
    ROOT / "mkdocs.yml",
    ROOT / "mkdocs.en.yml",
]


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files; a missing page gets the site's own 404 page (the English one under /en/)."""

    def send_error(self, code, message=None, explain=None):
        root = Path(self.directory)
        page = root / ("en/404.html" if self.path.startswith("/en/") else "404.html")
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # keep the console for build messages
        pass


def snapshot() -> float:
    """The newest modification time of any watched file."""
    newest = 0.0
    for path in WATCHED:
        files = path.rglob("*") if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                newest = max(newest, file.stat().st_mtime)
    return newest


def rebuild(site: Path) -> None:
    try:
        seconds = build(site)
    except SiteBuildError as error:
        print(f"rebuild failed, still serving the previous site:\n{error}", flush=True)
    else:
        print(f"rebuilt in {seconds['total']:.1f} s", flush=True)


def watch(site: Path, interval: float = 1.0) -> None:
    seen = snapshot()
    while True:
        time.sleep(interval)
        now = snapshot()
        if now != seen:
            time.sleep(0.3)  # let an editor finish writing
            seen = snapshot()
            print("change detected, rebuilding both languages ...", flush=True)
            rebuild(site)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--site-dir", default=str(ROOT / "site"))
    parser.add_argument("--no-watch", action="store_true", help="do not rebuild on changes")
    args = parser.parse_args()
    site = Path(args.site_dir).resolve()
    print("building both languages ...", flush=True)
    try:
        seconds = build(site)
    except SiteBuildError as error:
        raise SystemExit(str(error)) from None
    print(f"built in {seconds['total']:.1f} s", flush=True)
    if not args.no_watch:
        threading.Thread(target=watch, args=(site,), daemon=True).start()
    handler = functools.partial(SiteHandler, directory=str(site))
    with ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        print(
            f"serving http://127.0.0.1:{args.port}/ (中文) and http://127.0.0.1:{args.port}/en/ "
            "(English); Ctrl+C stops",
            flush=True,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
