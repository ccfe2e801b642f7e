"""MkDocs hook: load the interactive explorers only on pages that embed one.

A page embeds an explorer with a raw HTML block such as
`<div class="gdguide-explorer" data-gdguide-explorer="regression"><p>...</p></div>`
(`regression` on the algorithms page, `cliffs` on the code page). On those pages, and only there,
this hook links `assets/css/explorer.css` and the ES module `assets/js/explorer.js` (which imports
`explorer-core.js`, gdguide's arithmetic in JavaScript). Both files live in docs/overrides/assets/,
so the theme copies them into each language's build; nothing is loaded from another host.
"""

from __future__ import annotations

from gdguide_site.links import link_in_head
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

MARKER = "data-gdguide-explorer="


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Link the explorer's stylesheet and script from pages that contain an explorer."""
    if MARKER not in output:
        return output
    return link_in_head(output, page, config, "assets/css/explorer.css", "assets/js/explorer.js")
