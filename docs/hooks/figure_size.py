"""Width and height of a figure in CSS pixels, for `<img width height>` (not a hook itself).

`gdguide_figures.py` (the pages' figures) and `gdguide_notebooks.py` (notebook outputs) give each
`<img>` its size, so the page keeps the figure's place while it loads (no layout shift).
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
