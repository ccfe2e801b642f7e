r"""Figures for the guide, labelled in Chinese or English, and a deterministic SVG writer.

Every figure function computes its data with `gdguide` itself (the same calls the pages show),
draws it with matplotlib and returns a `matplotlib.figure.Figure`. The argument
`lang="zh"` or `lang="en"` selects every title, axis label, legend entry and annotation; a
Chinese figure carries no English words except names that Chinese texts keep as they are
(sigmoid, tanh, ReLU, Xavier, He, NaN, inf).

matplotlib is an optional dependency (the `plot` extra: `pip install "gdguide[plot]"`); it is
imported only when a figure is made, so `import gdguide.plotting` works without it.

The figures are built with `matplotlib.figure.Figure`, not `pyplot`: nothing is registered in
pyplot's global list of open figures, so a script or a test that makes many figures leaks
none and never meets pyplot's "more than 20 figures" warning. Save them with
[`save_svg`][gdguide.plotting.save_svg] (or `fig.savefig`). In Jupyter, show one with
`IPython.display.SVG` or after `import matplotlib.pyplot` (which registers the inline display).

Fonts: Chinese figures ask for the first installed of
"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei",
then "DejaVu Sans" (bundled with matplotlib). `save_svg` keeps text as text, so the reader's
browser draws it with its own fonts; see there for what happens when the build machine has no
CJK font.

The package's modules (private; import from `gdguide.plotting`): `_setup` (matplotlib import,
fonts, figure helpers), `_svg` (`save_svg`), and the figures by chapter: `_descent_figures`,
`_network_figures`, `_stochastic_figures` and `_theory_figures` (the theory pages' figures).
Each figure keeps its label table (both languages) next to its code. The figures are not
re-exported by `gdguide` itself: `gdguide.plot_wall` is
`gdguide.plotting.plot_wall` (the old top-level names still work, with a `DeprecationWarning`).
"""

from gdguide._deprecation import deprecated_names
from gdguide.plotting._descent_figures import (
    plot_article_runs,
    plot_clipping_wobble,
    plot_learning_rate_sweep,
    plot_wall,
)
from gdguide.plotting._network_figures import (
    plot_input_sensitivity,
    plot_layer_gradient_norms,
    plot_recurrent_cliff,
    plot_rnn_training,
)
from gdguide.plotting._stochastic_figures import plot_heavy_tailed_noise, plot_sgd_stable_step
from gdguide.plotting._svg import save_svg
from gdguide.plotting._theory_figures import (
    plot_article_iterates,
    plot_cliff_loss,
    plot_clipping_directions,
    plot_feature_scaling_contours,
    plot_intercept_sweep,
    plot_wall_smoothness,
)

__all__ = [
    "plot_article_iterates",
    "plot_article_runs",
    "plot_cliff_loss",
    "plot_clipping_directions",
    "plot_clipping_wobble",
    "plot_feature_scaling_contours",
    "plot_heavy_tailed_noise",
    "plot_input_sensitivity",
    "plot_intercept_sweep",
    "plot_layer_gradient_norms",
    "plot_learning_rate_sweep",
    "plot_recurrent_cliff",
    "plot_rnn_training",
    "plot_sgd_stable_step",
    "plot_wall",
    "plot_wall_smoothness",
    "save_svg",
]

#: The figure's name before 0.2 (`lr` is spelled `learning_rate` everywhere now).
__getattr__ = deprecated_names(
    __name__, {"plot_lr_sweep": "gdguide.plotting.plot_learning_rate_sweep"}
)
