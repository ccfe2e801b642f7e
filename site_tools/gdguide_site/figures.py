"""Every figure of the guide as SVG, labelled in one language.

The pages embed them as `![...](figures/<name>.svg)`. The build draws them itself (the hook
`docs/hooks/gdguide_figures.py` adds `figure_svg(name, lang)` to the build's files as generated
files, `figures/<name>.svg`); they are never written into docs/ nor committed. To look at them
outside a build, write them into a folder:

    .venv/bin/python scripts/make_figures.py --lang zh --out build/figures/zh

Each figure is computed by `gdguide` (the same functions the pages call) and drawn by
`gdguide.plotting`; the SVGs are deterministic (same input, same bytes) and keep their text as text.
A build reuses an SVG drawn before from exactly the same inputs (`content_cache`: the digest of the
`gdguide` package's files, this registry, the numpy and matplotlib versions and the CJK fonts
matplotlib finds), so a warm build draws none unless one of those changed. SVG files in `--out` that
are not in the registry are removed, so a renamed figure leaves nothing stale behind.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import gdguide
from gdguide import plotting
from gdguide.plotting._setup import installed_cjk_fonts
from gdguide_site.content_cache import cached_bytes, digest, package_files

#: File name (without .svg) -> the call that draws it in a given language. The page that shows
#: each figure computes the same data with the same gdguide calls just above it.
FIGURES: dict[str, Callable[[str], object]] = {
    "article-runs": lambda lang: plotting.plot_article_runs(lang=lang),
    "lr-sweep": lambda lang: plotting.plot_learning_rate_sweep(lang=lang),
    "clipping-wobble": lambda lang: plotting.plot_clipping_wobble(lang=lang),
    "wall": lambda lang: plotting.plot_wall(lang=lang),
    "recurrent-cliff": lambda lang: plotting.plot_recurrent_cliff(lang=lang),
    "deep-mlp-gradients": lambda lang: plotting.plot_layer_gradient_norms(lang=lang),
    "rnn-training": lambda lang: plotting.plot_rnn_training(lang=lang),
    "input-robustness": lambda lang: plotting.plot_input_sensitivity(lang=lang),
    "sgd-stable-step": lambda lang: plotting.plot_sgd_stable_step(lang=lang),
    "heavy-tailed-noise": lambda lang: plotting.plot_heavy_tailed_noise(lang=lang),
    # the theory pages
    "article-iterates": lambda lang: plotting.plot_article_iterates(lang=lang),
    "depth-setups": lambda lang: plotting.plot_layer_gradient_norms(
        networks=[("sigmoid", "normal", 0.1), ("relu", "he", None), ("tanh", "normal", 1.0)],
        lang=lang,
    ),
    "cliff-loss": lambda lang: plotting.plot_cliff_loss(lang=lang),
    "stability-threshold": lambda lang: plotting.plot_article_runs(
        learning_rates=(0.01, 0.018, 1 / 55, 0.0182), lang=lang
    ),
    "intercept-sweep": lambda lang: plotting.plot_intercept_sweep(lang=lang),
    "feature-scaling": lambda lang: plotting.plot_feature_scaling_contours(lang=lang),
    "clipping-directions": lambda lang: plotting.plot_clipping_directions(lang=lang),
    "wall-smoothness": lambda lang: plotting.plot_wall_smoothness(lang=lang),
}


def draw_svg(name: str, lang: str) -> bytes:
    """Draw the figure `name` (a key of `FIGURES`) labelled in `lang`; its SVG as UTF-8 bytes."""
    text = io.StringIO()
    plotting.save_svg(FIGURES[name](lang), text)
    return text.getvalue().encode("utf-8")


def inputs_digest() -> str:
    """Digest of everything a figure depends on besides its name and language."""
    import matplotlib
    import numpy

    package = Path(gdguide.__file__).parent
    registry = Path(__file__).read_bytes()  # the calls that draw the figures
    versions = (numpy.__version__, matplotlib.__version__, installed_cjk_fonts())
    return digest(package_files(package), package.parent, registry, *versions)


def figure_svg(name: str, lang: str, *, key: str | None = None) -> bytes:
    """The SVG of the figure `name` labelled in `lang`: drawn, or reused from the cache.

    `key` is `inputs_digest()` (computed once per build by the caller, or here).
    """
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; known: {sorted(FIGURES)}")
    key = inputs_digest() if key is None else key
    return cached_bytes(f"figures/{key}-{name}-{lang}.svg", lambda: draw_svg(name, lang))


def make_figures(
    lang: str, out: Path | str, names: Sequence[str] | None = None
) -> dict[str, float]:
    """Write the figures `names` (default: all) into `out`; return the seconds each took."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    selected = list(FIGURES) if names is None else list(names)
    unknown = sorted(set(selected) - set(FIGURES))
    if unknown:
        raise ValueError(f"unknown figure(s) {unknown}; known: {sorted(FIGURES)}")
    if names is None:
        for stale in out.glob("*.svg"):
            if stale.stem not in FIGURES:
                stale.unlink()
    seconds = {}
    for name in selected:
        start = time.perf_counter()
        (out / f"{name}.svg").write_bytes(draw_svg(name, lang))
        seconds[name] = time.perf_counter() - start
    return seconds


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lang", required=True, choices=["zh", "en"], help="language of the labels"
    )
    parser.add_argument("--out", required=True, help="output folder, e.g. build/figures/zh")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        choices=sorted(FIGURES),
        help="write only these figures (and remove nothing)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    seconds = make_figures(args.lang, args.out, args.only)
    total = time.perf_counter() - start
    print(f"wrote {len(seconds)} figures ({args.lang}) to {args.out} in {total:.1f} s")
