"""How a figure appears in a page: the hooks `gdguide_figures.py` (the pages' figures) and
`gdguide_notebooks.py` (notebook outputs) both write it with `linked_image`.

- `width`/`height` from the file: the page keeps the figure's place while it loads (no layout
  shift);
- `loading="lazy"`: figures far down a page load when the reader comes near them, not before the
  first paragraph is painted;
- a link to the file itself: on a phone the figure is a screen wide and its labels small, and a
  tap opens it alone, where it can be zoomed.
"""

from __future__ import annotations

import re
import struct

# matplotlib writes `<svg ... width="460.8pt" height="273.6pt" viewBox=...>`; 1 pt = 4/3 px.
SVG_SIZE = re.compile(
    rb'<svg\b[^>]*?\swidth="(?P<w>[\d.]+)(?P<unit>pt|px)?"\s+height="(?P<h>[\d.]+)(?P=unit)?"'
)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height in CSS pixels of a PNG or an SVG with an absolute size (else None)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    match = SVG_SIZE.search(data[:4000])
    if match is None:
        return None
    scale = 4 / 3 if match["unit"] == b"pt" else 1.0
    return round(float(match["w"]) * scale), round(float(match["h"]) * scale)


def linked_image(src: str, alt_html: str, data: bytes) -> str:
    """The `<a><img></a>` of a figure at `src` whose file holds `data`; `alt_html` is escaped."""
    size = image_size(data)
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    image = f'<img alt="{alt_html}" src="{src}"{dims} loading="lazy" decoding="async">'
    return f'<a class="gdguide-figure-link" href="{src}">{image}</a>'
