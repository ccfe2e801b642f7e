"""The deterministic SVG writer of `gdguide.plotting` (`save_svg`)."""

from __future__ import annotations

import io
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from gdguide.plotting._setup import CJK_FONTS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_LATIN_FONTS = ("DejaVu Sans", "Arial", "Helvetica")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_SVG_FONT_FAMILY = re.compile(r"font-family: ([^;\"]*sans-serif)")
_GLYPH_MISSING = r"Glyph \d+ .*missing from font"

# --- saving ------------------------------------------------------------------------------------


class _DropMissingFontRecords(logging.Filter):
    """Drop matplotlib's "findfont: Font family ... not found." records."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("findfont: Font family")


@contextmanager
def _quiet_about_missing_fonts() -> Iterator[None]:
    """Silence only the missing-font messages, only while the SVG is written (see `save_svg`)."""
    logger = logging.getLogger("matplotlib.font_manager")
    drop = _DropMissingFontRecords()
    logger.addFilter(drop)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_GLYPH_MISSING, category=UserWarning)
            yield
    finally:
        logger.removeFilter(drop)


def _css_font_stack(svg: str) -> str:
    """Return the CSS font-family for text: CJK fonts first when the SVG has Chinese."""
    names = [*CJK_FONTS, *_LATIN_FONTS] if _CJK.search(svg) else list(_LATIN_FONTS)
    return ", ".join(f"'{name}'" if " " in name else name for name in names) + ", sans-serif"


def save_svg(fig: Figure, path: str | os.PathLike[str] | TextIO) -> None:
    r"""Write `fig` as a small, deterministic SVG whose text stays text; then close it.

    - `svg.fonttype = "none"`: labels are `<text>` elements drawn by the reader's browser with
      its own fonts, so Chinese needs no embedded font (a few kB instead of megabytes) and stays
      selectable and searchable.
    - Deterministic: `svg.hashsalt` is fixed (the ids of clip paths do not change between runs)
      and the metadata carry no date, so regenerating an unchanged figure gives the same bytes.
    - Fonts: every text gets the CSS font list "Noto Sans CJK SC", "Source Han Sans SC",
      "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", "DejaVu Sans", Arial,
      Helvetica, sans-serif when the figure contains Chinese (the Latin part alone otherwise),
      whatever is installed where the SVG is written.
    - The figure is closed afterwards (removed from pyplot's registry when it came from pyplot;
      the figures of this module are not registered there).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str, path-like or text file
        Destination; a path is written as UTF-8 with `\n` line ends.

    Notes
    -----
    **When the machine that writes the SVG has no CJK font**, matplotlib cannot measure the
    Chinese glyphs: it warns "Glyph ... missing from font(s) DejaVu Sans" and logs
    "findfont: Font family ... not found". Both are silenced here, and only here, while the SVG
    is written: with text kept as text the build machine's glyphs are never used, only their
    widths for the layout, and DejaVu's placeholder glyph is slightly wider (1.15 em) than a CJK
    character (1 em), so Chinese labels never overflow their boxes. Install a CJK font
    (`fonts-noto-cjk` or `fonts-wqy-microhei` on Debian) for exact metrics. Saving a raster
    image (`fig.savefig("x.png")`) is not covered: there missing glyphs are real (boxes) and
    the warning stays.

    Examples
    --------
    >>> import io
    >>> from gdguide.plotting import plot_rnn_training, save_svg
    >>> out = io.StringIO()
    >>> save_svg(plot_rnn_training(num_steps=20, lang="zh"), out)
    >>> svg = out.getvalue()
    >>> "线性 RNN：训练损失" in svg, "Noto Sans CJK SC" in svg, "<dc:date>" in svg
    (True, True, False)
    """
    import matplotlib

    buffer = io.StringIO()
    rc = matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "gdguide"})
    with rc, _quiet_about_missing_fonts():
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = _SVG_FONT_FAMILY.sub(f"font-family: {_css_font_stack(svg)}", svg)
    if isinstance(path, (str, os.PathLike)):
        with open(path, "w", encoding="utf-8", newline="\n") as file:
            file.write(svg)
    else:
        path.write(svg)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
