"""MkDocs hook: keep code blocks out of the search index (it is downloaded on every first visit).

Material's search index holds each section's HTML, code blocks included: 45 % of the Chinese
index's text was code (measured with benchmarks/bench_page_weight.py: 160 kB of the 295 kB that a
first visit to the home page transferred, gzipped, was the search index). Readers search the prose,
titles and API names (those stay, inline `code` too); the index keeps no `<pre>` block. Runs after
the search plugin has written `search/search_index.json` (`on_post_build`).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger("mkdocs.hooks.gdguide_search")
CODE_BLOCK = re.compile(r"<pre\b.*?</pre>", re.DOTALL)


def on_post_build(config: MkDocsConfig) -> None:
    """Rewrite this build's search index without code blocks."""
    path = Path(config.site_dir) / "search" / "search_index.json"
    if not path.is_file():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    before = path.stat().st_size
    for doc in index["docs"]:
        doc["text"] = CODE_BLOCK.sub(" ", doc["text"]).strip()
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    log.info("search index: %d -> %d bytes (code blocks left out)", before, path.stat().st_size)
