"""Build the whole bilingual site: 中文 (mkdocs.yml) at the root, English (mkdocs.en.yml) at /en/.

    .venv/bin/python scripts/build_site.py [--site-dir site]

The two languages are two `mkdocs build --strict` runs (one config per language, the English one
INHERITs the Chinese one). They run at the same time, each into its own staging folder, and are
then put together (`<site>/` and `<site>/en/`) and swapped in, so a running server never sees a
half-built site. Any warning (broken link or anchor, TeX error, notebook cell error, ...) fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository (site_tools/gdguide_site/..)
CONFIGS = {"zh": ROOT / "mkdocs.yml", "en": ROOT / "mkdocs.en.yml"}
SUBDIR = {"zh": "", "en": "en"}  # where each language goes inside the site


class SiteBuildError(RuntimeError):
    """`mkdocs build --strict` failed for one language; the message holds its log."""


def build(site_dir: Path | str, *, strict: bool = True) -> dict[str, float]:
    """Build both languages into `site_dir`; return the seconds each build took (and the total)."""
    site_dir = Path(site_dir).resolve()
    staging = {lang: site_dir.with_name(f".{site_dir.name}.{lang}.building") for lang in CONFIGS}
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's end-of-life notice
    start = time.perf_counter()

    def run(lang: str) -> tuple[float, int, str]:
        shutil.rmtree(staging[lang], ignore_errors=True)
        # No `-q`: mkdocs 1.6 then drops warnings before --strict counts them, and a broken link,
        # anchor or cross-reference would pass. The log is captured and shown only on failure.
        command = [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "-f",
            str(CONFIGS[lang]),
            "-d",
            str(staging[lang]),
        ] + (["--strict"] if strict else [])
        started = time.perf_counter()
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        return time.perf_counter() - started, done.returncode, done.stdout

    with ThreadPoolExecutor(max_workers=len(CONFIGS)) as pool:  # one process per language
        results = dict(zip(CONFIGS, pool.map(run, CONFIGS), strict=True))
    seconds = {lang: result[0] for lang, result in results.items()}
    failures = [
        f"--- mkdocs build -f {CONFIGS[lang].name} failed:\n{log}"
        for lang, (_, code, log) in results.items()
        if code != 0
    ]
    if failures:
        for path in staging.values():
            shutil.rmtree(path, ignore_errors=True)
        raise SiteBuildError("\n".join(failures))
    main = staging["zh"]
    for lang, subdir in SUBDIR.items():
        if subdir:
            staging[lang].rename(main / subdir)
    old = site_dir.with_name(f".{site_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if site_dir.exists():
        site_dir.rename(old)
    main.rename(site_dir)
    shutil.rmtree(old, ignore_errors=True)
    seconds["total"] = time.perf_counter() - start
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site-dir", default=str(ROOT / "site"), help="output folder (default: site/)"
    )
    args = parser.parse_args()
    try:
        seconds = build(args.site_dir)
    except SiteBuildError as error:
        sys.exit(str(error))
    times = ", ".join(f"{lang} {value:.1f} s" for lang, value in seconds.items())
    print(f"built {args.site_dir} ({times})")
