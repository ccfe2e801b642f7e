"""MkDocs hook: one language per build (mkdocs.yml = 中文 at /, mkdocs.en.yml = English at /en/).

- `on_config`: the English build's `site_url` is the Chinese one plus `extra.gdguide.site_path`;
  nav entries whose file does not exist yet are left out (pages are written over time; the docs
  tests check that both languages list the same files).
- `on_page_context`: Material's language switch (`extra.alternate`) normally points at each
  language's home page. Here every page gets links to *the same page* in each language: `href`, a
  path relative to the page (used by `docs/overrides/partials/alternate.html`, so it works on any
  host and under any sub-path) and `link`, the absolute URL from `site_url` (Material's
  `<link rel="alternate" hreflang>` in the page head).
- `on_post_page`: those `<link rel="alternate" hreflang>` tags are taken out of the page head again:
  Material's JavaScript fetches `sitemap.xml` next to every such link (a 404 and a console error
  on every page, since they point at pages, not at language roots). The same hreflang pairs are
  given to search engines in each language's `sitemap.xml` instead
  (`docs/overrides/sitemap.xml`, from `extra.gdguide.alternate_urls` set in `on_config`).
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

log = logging.getLogger("mkdocs.hooks.gdguide_i18n")
HREFLANG_LINK = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')


def existing_nav(nav: list, docs_dir: Path) -> list:
    """Return `nav` without entries whose file is missing from `docs_dir` (and empty sections)."""
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


def on_config(config):
    """Set the English `site_url`, drop unwritten pages from the nav, keep the language roots."""
    options = config.extra["gdguide"]
    site_path = options.get("site_path", "")
    if site_path and config.site_url:
        config.site_url = urljoin(config.site_url, site_path)
    if config.nav:
        config.nav = existing_nav(config.nav, Path(config.docs_dir))
    # The configured links are each language's root; on_page_context replaces them per page.
    options["alternate_roots"] = [dict(alt) for alt in config.extra["alternate"]]
    # Each language's absolute root, for the hreflang pairs of sitemap.xml.
    options["alternate_urls"] = {
        alt["lang"]: urljoin(config.site_url or "/", alt["link"])
        for alt in config.extra["alternate"]
    }
    return config


def page_relative(target: str, page_url: str) -> str:
    """`target` (relative to this build's root) as a link relative to the page at `page_url`."""
    up = "../" * page_url.count("/")
    joined = posixpath.normpath(up + target)
    if target.endswith("/") or target == "" or joined.endswith(".."):
        joined = joined.rstrip("/") + "/"
    return "./" if joined in (".", "./") else joined


def on_page_context(context, page, config, nav):
    """Point the language switch (and the hreflang links) at this page in each language."""
    alternates = []
    for alt in config.extra["gdguide"]["alternate_roots"]:
        root = alt["link"]  # the language's root, relative to this build's root
        target = page.url if not page.url.endswith("404.html") else ""
        absolute = urljoin(config.site_url or "/", posixpath.join(root, target))
        if page.url.endswith("404.html"):  # served at any path: absolute paths only
            href = urlsplit(absolute).path
        else:
            href = page_relative(posixpath.join(root, target), page.url)
        alternates.append({**alt, "link": absolute, "href": href})
    # Templates read config.extra.alternate; pages are rendered one at a time.
    config.extra["alternate"] = alternates
    return context


def on_post_page(output, page, config):
    """Drop the hreflang `<link>`s from the head (they are in sitemap.xml; see the module doc)."""
    head, sep, body = output.partition("</head>")
    return HREFLANG_LINK.sub("", head) + sep + body
