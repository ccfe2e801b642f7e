"""The site's own configuration: `extra.gdguide` and `extra.alternate`, read and written here only.

Set in the configs (mkdocs.yml, the 中文 build; mkdocs.en.yml, which INHERITs it):

| key | example | read by |
|---|---|---|
| `extra.gdguide.lang` | `zh` | `gdguide_figures` (the labels' language) |
| `extra.gdguide.site_path` | `en/` (English only) | `set_language_roots`: `site_url` += it |
| `extra.gdguide.figure_alt` | `由笔记本代码生成的图` | `gdguide_notebooks` (figures' alt text) |
| `extra.gdguide.notebook_download` | `下载笔记本（.ipynb）` | `gdguide_notebooks` (download link) |
| `extra.gdguide.outputs_made_with` | `Outputs printed by` | `partials/copyright.html` |
| `extra.alternate` | `[{name, lang, link}]` | `set_language_roots` |

In `extra.alternate`, `link` is each language's root relative to this build's root (`./`, `en/`;
`../`, `./` in the English build).

Written by the `gdguide_release` hook in `on_config`, read by `partials/copyright.html` (the
footer) and `on_files`: `extra.gdguide.version` (the installed gdguide's metadata version) and
`extra.gdguide.wheel` (its wheel's file name, served at `dist/`).

Written by the `gdguide_i18n` hook with the functions below (nothing else writes them):

| key | written | read by |
|---|---|---|
| `extra.gdguide.alternate_roots` | `on_config` | `page_alternates` |
| `extra.gdguide.alternate_urls` | `on_config` | `docs/overrides/sitemap.xml` |
| `extra.alternate` | `on_page_context` | `docs/overrides/partials/alternate.html`, Material |

- `alternate_roots`: `extra.alternate` as configured (each language's root).
- `alternate_urls`: `{lang: absolute URL of that language's root}`, for the sitemap's hreflang
  pairs (`root ~ page.url`).
- `extra.alternate`, per page: `[{name, lang, link, href}]`, `link` the absolute URL of this page
  in each language (Material's hreflang `<link>`s, which `gdguide_i18n` removes again), `href` the
  same page relative to this one (an absolute path on the 404 page): the language switch.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

from gdguide_site.links import is_404, page_relative


@dataclass(frozen=True)
class SiteOptions:
    """`extra.gdguide` as set in the configs."""

    lang: str
    figure_alt: str
    notebook_download: str
    site_path: str = ""


def site_options(config: MkDocsConfig) -> SiteOptions:
    """The configured `extra.gdguide` keys (a missing one is a KeyError naming it)."""
    extra = config.extra["gdguide"]
    return SiteOptions(
        lang=extra["lang"],
        figure_alt=extra["figure_alt"],
        notebook_download=extra["notebook_download"],
        site_path=extra.get("site_path", ""),
    )


def set_language_roots(config: MkDocsConfig) -> None:
    """`on_config`: this build's `site_url` (+ `site_path`), `alternate_roots`, `alternate_urls`."""
    options = config.extra["gdguide"]
    site_path = site_options(config).site_path
    if site_path and config.site_url:
        config.site_url = urljoin(config.site_url, site_path)
    # The configured links are each language's root; page_alternates replaces them per page.
    options["alternate_roots"] = [dict(alt) for alt in config.extra["alternate"]]
    # Each language's absolute root, for the hreflang pairs of sitemap.xml.
    options["alternate_urls"] = {
        alt["lang"]: urljoin(config.site_url or "/", alt["link"])
        for alt in config.extra["alternate"]
    }


def page_alternates(page: Page, config: MkDocsConfig) -> list[dict]:
    """This page in each language: `{name, lang, link (absolute URL), href (from the page)}`."""
    alternates = []
    for alt in config.extra["gdguide"]["alternate_roots"]:
        root = alt["link"]  # the language's root, relative to this build's root
        target = "" if is_404(page) else page.url
        absolute = urljoin(config.site_url or "/", posixpath.join(root, target))
        if is_404(page):  # served at any path: absolute paths only
            href = urlsplit(absolute).path
        else:
            href = page_relative(posixpath.join(root, target), page.url)
        alternates.append({**alt, "link": absolute, "href": href})
    return alternates


def set_page_alternates(page: Page, config: MkDocsConfig) -> None:
    """`on_page_context`: point `extra.alternate` at this page (pages render one at a time)."""
    config.extra["alternate"] = page_alternates(page, config)
