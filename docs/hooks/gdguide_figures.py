"""MkDocs hook: draw the pages' figures before the build reads the docs.

`scripts/make_figures.py` (owned with `gdguide.plotting`) writes every figure as SVG, labelled in
one language, into `docs/<lang>/figures/`. The figures are generated, never committed
(`.gitignore`), so a page can never show a stale one: each build (`mkdocs build -f mkdocs.yml`
or `-f mkdocs.en.yml`, and so scripts/build_site.py) redraws them in its own language from
`gdguide`'s current code, before the files are collected (`on_pre_build`).
"""

from __future__ import annotations

import importlib.util
import logging
import time
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.gdguide_figures")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_figures.py"


def on_pre_build(config):
    """Write this language's figures into `<docs_dir>/figures`."""
    if not SCRIPT.is_file():
        return
    spec = importlib.util.spec_from_file_location("make_figures", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lang = config.extra["gdguide"]["lang"]
    start = time.perf_counter()
    seconds = module.make_figures(lang, Path(config.docs_dir) / "figures")
    log.info("figures: %d (%s) in %.1f s", len(seconds), lang, time.perf_counter() - start)
