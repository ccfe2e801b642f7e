"""MkDocs hook: load the in-browser log diagnosis only on the page that embeds it.

The diagnosis page (`diagnose.md`) holds a raw HTML block `<div class="gdguide-diagnose"
data-gdguide-diagnose="log">` with the form and, in a `<template data-gdguide-diagnose-text>`, every
label in the page's language. On that page, and only there, this hook links
`assets/css/diagnose.css` and the ES module `assets/js/diagnose.js` (which imports
`diagnose-core.js`, the JavaScript twin of `gdguide.diagnose`). Both live in docs/overrides/assets/,
so the theme copies them into each language's build; nothing is loaded from another host.
"""

from __future__ import annotations

from gdguide_site.links import link_in_head
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

MARKER = 'data-gdguide-diagnose="log"'


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Link the diagnosis stylesheet and script from the page that contains the diagnosis form."""
    if MARKER not in output:
        return output
    return link_in_head(output, page, config, "assets/css/diagnose.css", "assets/js/diagnose.js")
