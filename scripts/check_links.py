"""Opt-in check of the external links (papers, framework docs) in the pages and the docstrings.

    .venv/bin/python scripts/check_links.py [--timeout 15] [--workers 4] [--list]

Collects every http(s) URL in docs/**/*.md, docs/**/*.ipynb and gdguide/*.py (docstrings and
comments), then asks each host once per URL: HEAD, and GET when HEAD is refused (some servers
answer 403/405 to HEAD). Few requests at a time, a timeout per request. Prints the URLs that fail
and where they occur; exits 1 if any fails. Needs internet, so it is NOT part of the tests or CI.
Internal links (pages, anchors) are checked by the strict site build (mkdocs.yml `validation:`),
which the tests run.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["docs/**/*.md", "docs/**/*.ipynb", "gdguide/**/*.py"]
URL = re.compile(r"https?://[!#-&(-;=?-\[^_a-z~]+")  # ASCII, no <>"'`\]{}| or space
SKIP_HOSTS = ("127.0.0.1", "localhost", "0.0.0.0")  # noqa: S104 - examples, not links
HEADERS = {"User-Agent": "gdguide-link-check/1 (+https://github.com/)", "Accept": "*/*"}


def trim(url: str) -> str:
    """Drop trailing punctuation and an unbalanced ')' (Markdown links); keep DOIs' '(64)'."""
    while True:
        url = url.rstrip(".,;:!?*")
        if url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            return url


def collect() -> dict[str, set[str]]:
    """URL -> the files (relative paths) that contain it."""
    found: dict[str, set[str]] = defaultdict(set)
    for pattern in SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            for url in URL.findall(path.read_text(encoding="utf-8")):
                url = trim(url)
                if url.split("/")[2].split(":")[0] not in SKIP_HOSTS:
                    found[url].add(path.relative_to(ROOT).as_posix())
    return found


def check(url: str, timeout: float) -> str | None:
    """None if the URL answers (2xx/3xx after redirects), else a short reason."""
    reason = None
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers=HEADERS)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                if method == "GET":
                    response.read(1024)
                return None
        except urllib.error.HTTPError as error:
            reason = f"HTTP {error.code}"
            if error.code not in (403, 405, 429, 501):
                return reason  # 404, 410, 5xx: GET would say the same
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            reason = f"{type(error).__name__}: {getattr(error, 'reason', error)}"
    return reason


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request")
    parser.add_argument("--workers", type=int, default=4, help="requests at a time")
    parser.add_argument("--list", action="store_true", help="only list the URLs, no requests")
    args = parser.parse_args()
    found = collect()
    if args.list:
        for url in sorted(found):
            print(url, " ".join(sorted(found[url])))
        return
    urls = sorted(found)
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(lambda u: check(u, args.timeout), urls))
    failures = [(url, why) for url, why in zip(urls, results, strict=True) if why]
    for url, why in failures:
        print(f"FAIL {why}: {url}\n     in {', '.join(sorted(found[url]))}")
    print(f"{len(urls)} external links, {len(failures)} failing")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
