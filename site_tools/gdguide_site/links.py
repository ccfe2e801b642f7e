"""Links from a built page: to another file of the same build, and in the page's `<head>`.

Every page of a build is written at `<site>/<page.url>` (`page.url` is `""` for the home page,
`"code/"`, `"api/clipping/"`, or `"404.html"`), so a file at `target` below the build's root is
`"../" * page.url.count("/") + target` from the page. The 404 page is the exception: a static host
serves it at whatever path was not found (`/a/b/c/` as well as `/x`), so a relative link from it
breaks; its links start at the site's absolute path (the path of `site_url`) instead.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page


def is_404(page: Page) -> bool:
    """Whether `page` is the build's 404 page (served at any path)."""
    return page.url.endswith("404.html")


def root_prefix(page: Page, config: MkDocsConfig) -> str:
    """What to put before a path relative to the build's root to link it from `page`.

    `"../"` once per folder level of `page.url` (`""` on the home page); on the 404 page the
    absolute path of `site_url` (`"/"` or e.g. `"/gdguide/en/"`).
    """
    if is_404(page):
        return urlsplit(config.site_url or "/").path
    return "../" * page.url.count("/")


def page_relative(target: str, page_url: str) -> str:
    """`target` (relative to this build's root) as a link relative to the page at `page_url`.

    A folder keeps its trailing slash and the page's own folder is `"./"`:
    `page_relative("en/code/", "code/") == "../en/code/"`, `page_relative("", "") == "./"`.
    """
    up = "../" * page_url.count("/")
    joined = posixpath.normpath(up + target)
    if target.endswith("/") or target == "" or joined.endswith(".."):
        joined = joined.rstrip("/") + "/"
    return "./" if joined in (".", "./") else joined


def head_tag(href: str) -> str:
    """The tag that loads `href`: a stylesheet `<link>` (`.css`) or a module `<script>` (`.js`)."""
    if href.endswith(".css"):
        return f'<link rel="stylesheet" href="{href}">'
    if href.endswith(".js"):
        return f'<script type="module" src="{href}"></script>'
    raise ValueError(f"head_tag: expected a .css or .js file, got {href!r}")


def link_in_head(output: str, page: Page, config: MkDocsConfig, *assets: str) -> str:
    """Load `assets` (paths below the build's root, `.css` or `.js`) from the page's `<head>`.

    One tag a line, in the order given, just before `</head>`; the links work from the 404 page
    too (see `root_prefix`).
    """
    base = root_prefix(page, config)
    tags = "".join(f"{head_tag(base + asset)}\n" for asset in assets)
    return output.replace("</head>", f"{tags}</head>", 1)
