"""The nav of a build, without the pages that are not written yet."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.gdguide_i18n")


def existing_nav(nav: list, docs_dir: Path) -> list:
    """Return `nav` without entries whose file is missing from `docs_dir` (and empty sections).

    Entries are MkDocs' nav items: `"page.md"`, `{"Title": "page.md"}`, `{"Section": [...]}`;
    external links (`"https://..."`) and anything else are kept as they are.
    """
    kept = []
    for item in nav:
        if isinstance(item, str):
            target = item
        elif isinstance(item, dict) and len(item) == 1:
            ((title, target),) = item.items()
            if isinstance(target, list):
                children = existing_nav(target, docs_dir)
                if children:
                    kept.append({title: children})
                continue
        else:
            kept.append(item)
            continue
        if "://" in target or (docs_dir / target).is_file():
            kept.append(item)
        else:
            log.info("nav: %s is not written yet; left out", target)
    return kept
