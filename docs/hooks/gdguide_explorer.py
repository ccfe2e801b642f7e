"""MkDocs hook: load the interactive explorers only on pages that embed one.

A page embeds an explorer with a raw HTML block such as
`<div class="gdguide-explorer" data-gdguide-explorer="regression"><p>...</p></div>`
(`regression` on the algorithms page, `cliffs` on the code page). On those pages, and only there,
this hook links `assets/css/explorer.css` and the ES module `assets/js/explorer.js` (which imports
`explorer-core.js`, gdguide's arithmetic in JavaScript). Both files live in docs/overrides/assets/,
so the theme copies them into each language's build; nothing is loaded from another host.
"""

from __future__ import annotations

MARKER = "data-gdguide-explorer="


def on_post_page(output, page, config):
    """Link the explorer's stylesheet and script from pages that contain an explorer."""
    if MARKER not in output:
        return output
    base = "../" * page.url.count("/")
    tags = (
        f'<link rel="stylesheet" href="{base}assets/css/explorer.css">\n'
        f'<script type="module" src="{base}assets/js/explorer.js"></script>\n'
    )
    return output.replace("</head>", f"{tags}</head>", 1)
