"""matplotlib set-up for the figures: lazy import, fonts, figure and axis helpers.

Shared by every figure module of `gdguide.plotting`; nothing here is public.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Lang = Literal["zh", "en"]

#: CJK fonts preferred for Chinese text, most common first (Linux, then macOS and Windows).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Microsoft YaHei",
)
_INSTALL_HINT = (
    "gdguide.plotting needs matplotlib, the optional 'plot' extra: "
    'pip install "gdguide[plot]" (or pip install "matplotlib>=3.8")'
)
ONE_PANEL = (6.4, 3.8)
TWO_PANELS = (9.6, 3.8)


# --- shared helpers --------------------------------------------------------------------------


def figure_class() -> type[Figure]:
    """Import matplotlib lazily; raise ImportError with the install hint if it is missing."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return Figure


def labels_for(table: dict[str, dict[str, str]], lang: str) -> dict[str, str]:
    """Return the label dict for `lang`, or raise ValueError naming `lang`."""
    if lang not in table:
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return table[lang]


@cache
def installed_cjk_fonts() -> tuple[str, ...]:
    """Return the fonts of `CJK_FONTS` that matplotlib finds on this machine, in order."""
    from matplotlib import font_manager

    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in names)


def font_family(lang: str) -> list[str]:
    """Fonts matplotlib uses for the layout: installed CJK fonts first for Chinese."""
    cjk = list(installed_cjk_fonts()) if lang == "zh" else []
    return [*cjk, "DejaVu Sans", "sans-serif"]


def new_figure(size: tuple[float, float], ncols: int = 1) -> tuple[Figure, list[Axes]]:
    fig = figure_class()(figsize=size, layout="constrained")
    return fig, list(fig.subplots(1, ncols, squeeze=False)[0])


def finish(fig: Figure, lang: str) -> Figure:
    """Give every text of the figure the language's font list (kept when saved elsewhere)."""
    family = font_family(lang)
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [legend.get_title(), *legend.get_texts()]
    for text in texts:
        text.set_fontfamily(family)
    return fig


def log_axis_values(values: ArrayLike) -> NDArray:
    """Values for a log axis: zeros, negatives and non-finite values become NaN (a gap)."""
    values = np.array(values, dtype=float)
    with np.errstate(invalid="ignore"):
        values[~(np.isfinite(values) & (values > 0))] = np.nan
    return values


def abs_error(params: NDArray, target: float) -> NDArray:
    """Absolute error of scalar iterates, NaN where a run was non-finite."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.abs(params.reshape(len(params), -1)[:, 0] - target)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten_label(value: float, _position: int | None = None) -> str:
    """Tick label "10⁻⁵" for an exact power of ten, "" otherwise (no mathtext: faster SVGs)."""
    if value <= 0 or not np.isfinite(value):
        return ""
    exponent = round(float(np.log10(value)))
    if not np.isclose(value, 10.0**exponent, rtol=1e-9):
        return ""
    return "1" if exponent == 0 else "10" + str(exponent).translate(_SUPERSCRIPT)


def log_scale(ax: Axes, axis: Literal["x", "y"] = "y") -> None:
    """Log scale with Unicode tick labels (10⁻⁵) instead of mathtext, and no minor labels."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(power_of_ten_label))
    target.set_minor_formatter(NullFormatter())
