import html
import importlib.util
import io
import logging
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from gdguide import plotting
from gdguide.plotting import _setup as plotting_setup
from gdguide.plotting import (
    plot_article_iterates,
    plot_article_runs,
    plot_cliff_loss,
    plot_clipping_directions,
    plot_clipping_wobble,
    plot_feature_scaling_contours,
    plot_heavy_tailed_noise,
    plot_input_sensitivity,
    plot_intercept_sweep,
    plot_layer_gradient_norms,
    plot_learning_rate_sweep,
    plot_recurrent_cliff,
    plot_rnn_training,
    plot_sgd_stable_step,
    plot_wall,
    plot_wall_smoothness,
    save_svg,
)

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
# words a Chinese figure may keep in Latin letters (names Chinese texts use as they are)
ALLOWED_LATIN_ON_ZH = {
    "sigmoid",
    "tanh",
    "ReLU",
    "Xavier",
    "He",
    "NaN",
    "inf",
    "RNN",
    "MLP",
    "learning_rate_sweep",
    "input_sensitivity",
    "jacobian_sensitivity",
    "jacobian_norm_bound",
    "SGD",
    "Student",
}

# small versions of every figure (fast), keyed by the function they exercise
SMALL = {
    "article_runs": lambda lang: plot_article_runs(num_steps=200, lang=lang),
    "learning_rate_sweep": lambda lang: plot_learning_rate_sweep(
        [0.005, 0.01, 0.017, 0.019, 0.022], lang=lang
    ),
    "clipping_wobble": lambda lang: plot_clipping_wobble(num_steps=300, lang=lang),
    "wall": lambda lang: plot_wall(num_steps=40, lang=lang),
    "recurrent_cliff": lambda lang: plot_recurrent_cliff(num_steps=40, lang=lang),
    "layer_gradient_norms": lambda lang: plot_layer_gradient_norms(
        [("sigmoid", "normal", 0.1), ("relu", "he", None)], depth=4, width=8, lang=lang
    ),
    "rnn_training": lambda lang: plot_rnn_training(num_steps=20, lang=lang),
    "input_sensitivity": lambda lang: plot_input_sensitivity(
        [2, 3], num_inputs=4, num_samples=5, lang=lang
    ),
    "sgd_stable_step": lambda lang: plot_sgd_stable_step(
        [1, 8], num_seeds=1, num_examples=200, num_features=4, lang=lang
    ),
    "heavy_tailed_noise": lambda lang: plot_heavy_tailed_noise(num_steps=100, lang=lang),
    "article_iterates": lambda lang: plot_article_iterates(lang=lang),
    "cliff_loss": lambda lang: plot_cliff_loss(lang=lang),
    "intercept_sweep": lambda lang: plot_intercept_sweep([0.01, 0.02], num_steps=200, lang=lang),
    "feature_scaling_contours": lambda lang: plot_feature_scaling_contours(num_steps=50, lang=lang),
    "clipping_directions": lambda lang: plot_clipping_directions(lang=lang),
    "wall_smoothness": lambda lang: plot_wall_smoothness(num_steps=100, lang=lang),
}


def figure_texts(fig):
    """Every non-empty text the figure shows except tick labels: titles, labels, legends, notes."""
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [
            ax.get_title(),
            ax.get_xlabel(),
            ax.get_ylabel(),
            *(t.get_text() for t in ax.texts),
        ]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return [t for t in texts if t]


def svg_of(fig):
    out = io.StringIO()
    save_svg(fig, out)
    return out.getvalue()


@pytest.mark.parametrize("name", SMALL)
def test_chinese_figure_has_every_text_in_chinese(name):
    texts = figure_texts(SMALL[name]("zh"))
    assert texts
    for text in texts:
        latin_words = set(re.findall(r"\b[A-Za-z]{2,}\b", text))
        assert latin_words <= ALLOWED_LATIN_ON_ZH, (text, latin_words - ALLOWED_LATIN_ON_ZH)
    assert any(CJK.search(text) for text in texts)


@pytest.mark.parametrize("name", SMALL)
def test_english_figure_has_no_chinese_and_differs_from_the_chinese_one(name):
    english = figure_texts(SMALL[name]("en"))
    assert not any(CJK.search(text) for text in english)
    assert english != figure_texts(SMALL[name]("zh"))


@pytest.mark.parametrize("name", SMALL)
def test_chinese_svg_contains_the_chinese_text(name):
    # runs under filterwarnings=error: a missing-glyph warning escaping save_svg would fail here
    fig = SMALL[name]("zh")
    texts = [t for t in figure_texts(fig) if CJK.search(t)]
    svg = svg_of(fig)
    for text in texts:
        assert html.escape(text, quote=False) in svg
    assert "<text" in svg
    assert "Noto Sans CJK SC" in svg and "Microsoft YaHei" in svg


@pytest.mark.parametrize("name", SMALL)
def test_english_figures_draw_without_any_warning_outside_save_svg(name):
    # every glyph of the English figures exists in DejaVu Sans, matplotlib's bundled font
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = SMALL[name]("en")
    FigureCanvasAgg(fig).draw()


def test_english_svg_asks_for_latin_fonts_only():
    svg = svg_of(SMALL["wall"]("en"))
    assert "font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif" in svg
    assert "Noto Sans CJK" not in svg


def test_save_svg_keeps_text_as_text_and_is_deterministic():
    first = svg_of(plot_wall(num_steps=30, lang="zh"))
    second = svg_of(plot_wall(num_steps=30, lang="zh"))
    assert first == second
    assert "<dc:date>" not in first
    assert "<text" in first
    assert 'id="DejaVuSans-' not in first  # no embedded glyph outlines (svg.fonttype none)


def test_save_svg_writes_utf8_with_unix_line_ends(tmp_path):
    path = tmp_path / "wall.svg"
    save_svg(plot_wall(num_steps=10, lang="zh"), path)
    data = path.read_bytes()
    assert b"\r\n" not in data
    assert "陡壁与裁剪后的每一步" in data.decode("utf-8")


def test_save_svg_closes_a_pyplot_figure(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.add_subplot().plot([1, 2], [3, 4])
    assert plt.fignum_exists(fig.number)
    save_svg(fig, io.StringIO())
    assert not plt.fignum_exists(fig.number)


def test_missing_glyph_warning_and_font_log_are_silenced_only_inside_save_svg(monkeypatch, caplog):
    # pretend no CJK font is installed: then matplotlib cannot measure Chinese glyphs
    monkeypatch.setattr(plotting_setup, "installed_cjk_fonts", lambda: ())
    fig = plot_rnn_training(num_steps=5, lang="zh")
    filters_before = list(warnings.filters)
    logger = logging.getLogger("matplotlib.font_manager")
    log_filters_before = list(logger.filters)
    svg = svg_of(fig)
    assert "线性 RNN：训练损失" in svg
    assert warnings.filters == filters_before and logger.filters == log_filters_before
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(io.BytesIO(), format="png")  # outside save_svg the warning is real


def test_chinese_layout_prefers_installed_cjk_fonts(monkeypatch):
    monkeypatch.setattr(plotting_setup, "installed_cjk_fonts", lambda: ("WenQuanYi Micro Hei",))
    fig = plot_wall(num_steps=5, lang="zh")
    assert fig.axes[0].title.get_fontfamily() == [
        "WenQuanYi Micro Hei",
        "DejaVu Sans",
        "sans-serif",
    ]
    fig = plot_wall(num_steps=5, lang="en")
    assert fig.axes[0].title.get_fontfamily() == ["DejaVu Sans", "sans-serif"]


@pytest.mark.parametrize("name", SMALL)
def test_unknown_language_is_rejected_naming_lang(name):
    with pytest.raises(ValueError, match="lang must be 'zh' or 'en'"):
        SMALL[name]("fr")


def test_missing_matplotlib_gives_the_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"gdguide\[plot\]"):
        plot_wall(num_steps=5)


def test_importing_gdguide_plotting_does_not_import_matplotlib():
    code = "import sys, gdguide.plotting; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (1e-5, "10⁻⁵"),
        (1.0, "1"),
        (1e12, "10¹²"),
        (2e3, ""),
        (0.0, ""),
        (np.inf, ""),
    ],
)
def test_log_tick_labels_are_unicode_powers_of_ten(value, label):
    assert plotting_setup.power_of_ten_label(value) == label


# --- the figures show the ground-truth data ----------------------------------------------------


def test_article_runs_figure_says_which_runs_converge():
    ax = plot_article_runs(lang="en").axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["α = 0.01 (converges)", "α = 0.0182 (diverges)", "α = 0.02 (diverges)"]
    assert "0.01818" in ax.get_title()


def test_lr_sweep_figure_marks_the_boundary_at_one_over_55():
    ax = plot_learning_rate_sweep([0.005, 0.01, 0.017, 0.019, 0.022]).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["2/λ = 0.01818"].get_xdata()[0] == pytest.approx(1 / 55)
    assert lines["learning_rate_sweep: diverged"].get_xdata().tolist() == [0.019, 0.022]


def test_clipping_wobble_figure_shows_the_limit_cycle_and_the_slow_run():
    fig = plot_clipping_wobble()
    whole, zoom = fig.axes
    cycle = zoom.get_lines()[0].get_ydata()
    assert np.all(np.abs(cycle) < 5.3e-3) and cycle.max() > 5e-3 and cycle.min() < -4.7e-3
    slow = whole.get_lines()[1].get_ydata()
    assert slow[-1] == pytest.approx(1.0)
    assert whole.get_lines()[2].get_ydata()[-1] == pytest.approx(19 / 11, abs=1e-12)


def test_wall_figure_shows_the_plain_run_exploding_and_the_clipped_one_converging():
    left = plot_wall().axes[0]
    plain, clipped = left.get_lines()[:2]
    assert plain.get_ydata()[:4] == pytest.approx([3.0, 8.4, 230.3616, 4.88960619e6], rel=1e-6)
    assert np.isnan(plain.get_ydata()[-1])
    assert clipped.get_ydata()[1] == pytest.approx(2.9) and clipped.get_ydata()[-1] < 1e-6


def test_recurrent_cliff_figure_shows_landing_wobble_and_decay():
    fig = plot_recurrent_cliff()
    landing, wobble, decay = (line.get_ydata() for line in fig.axes[1].get_lines()[:3])
    assert landing[10:] == pytest.approx(1.0, abs=1e-12)
    assert sorted({round(w, 6) for w in wobble[-10:]}) == [0.995, 1.005]
    assert decay[-1] == pytest.approx(1.0, abs=1e-6)
    assert "-6209" in fig.axes[0].texts[0].get_text()


def test_layer_norms_figure_shows_vanishing_sigmoid_gradients():
    ax = plot_layer_gradient_norms([("sigmoid", "normal", 0.1)]).axes[0]
    norms = ax.get_lines()[0].get_ydata()
    assert norms[0] / norms[-1] < 1e-7


def test_rnn_figure_shows_the_blow_up_and_the_clipped_descent():
    left = plot_rnn_training().axes[0]
    plain, clipped = (line.get_ydata() for line in left.get_lines()[:2])
    assert len(plain) == 3 and np.isnan(plain[-1])
    assert clipped[0] == pytest.approx(8.459, abs=1e-3) and clipped[-1] < 0.011
    assert left.texts[0].get_text() == "NaN at step 2"


def test_input_sensitivity_figure_orders_sample_exact_and_bound():
    sampled, exact, bound = (
        line.get_ydata() for line in plot_input_sensitivity([2, 6]).axes[0].get_lines()
    )
    assert np.all(sampled <= exact * (1 + 1e-3)) and np.all(exact <= bound)
    assert bound[-1] > 10 * exact[-1]


def test_sgd_stable_step_figure_puts_the_measured_boundaries_under_the_full_batch_limit():
    ax = plot_sgd_stable_step([1, 8], num_seeds=2, num_examples=200, num_features=4).axes[0]
    measured = np.concatenate([line.get_ydata() for line in ax.get_lines()[:2]])
    full_batch = ax.get_lines()[-1].get_ydata()[0]
    assert measured.shape == (4,)
    assert np.all(measured < full_batch)
    assert measured[1] > 2 * measured[0]  # seed 0: b = 8 tolerates a much larger step than b = 1


def test_heavy_tailed_noise_figure_shows_clipping_taming_only_the_heavy_tails():
    left, right = plot_heavy_tailed_noise(num_steps=500).axes
    (gauss_plain, gauss_clipped), (heavy_plain, heavy_clipped) = (
        [line.get_ydata() for line in ax.get_lines()] for ax in (left, right)
    )
    assert np.allclose(gauss_plain, gauss_clipped, rtol=0.2)
    assert heavy_plain.max() > 5 * heavy_clipped.max()


# --- the theory pages' figures agree with what their code blocks print ------------------------


def test_article_runs_figure_calls_the_boundary_run_oscillating():
    ax = plot_article_runs((0.01, 0.018, 1 / 55, 0.0182)).axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == [
        "α = 0.01 (converges)",
        "α = 0.018 (converges)",
        "α = 0.0181818 (neither: oscillates)",
        "α = 0.0182 (diverges)",
    ]
    boundary = ax.get_lines()[2].get_ydata()
    assert boundary == pytest.approx(19 / 11)  # background/algorithms: alternates 0 and 2θ*


def test_article_iterates_figure_shows_the_printed_iterates():
    lines = plot_article_iterates().axes[0].get_lines()
    damped, growing, optimum = (line.get_ydata() for line in lines)
    # background.md prints theta_0..5 of both runs
    assert damped[:6] == pytest.approx([0.0, 1.9, 1.71, 1.729, 1.7271, 1.7273], abs=5e-5)
    assert growing[:6] == pytest.approx([0.0, 3.8, -0.76, 4.712, -1.8544, 6.0253], abs=5e-5)
    assert optimum[0] == pytest.approx(19 / 11)


def test_cliff_loss_figure_marks_the_printed_gradients():
    ax = plot_cliff_loss().axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert labels[1:] == ["w = 0.9: L′(w) = -0.28", "w = 1.1: L′(w) = 6.2e+5"]
    loss = ax.get_lines()[0].get_ydata()
    assert loss[0] == pytest.approx(0.5, abs=1e-3) and loss[-1] > 1e5  # flat side, cliff


def test_intercept_sweep_figure_shows_the_printed_losses_and_boundary():
    ax = plot_intercept_sweep().axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["2/λ_max = 0.016905"].get_xdata()[0] == pytest.approx(0.016905, abs=1e-6)
    ok = lines["learning_rate_sweep: not diverged"]
    bad = lines["learning_rate_sweep: diverged"]
    assert ok.get_xdata().tolist() == [0.005, 0.01, 0.015, 0.0168]
    assert bad.get_xdata().tolist() == [0.017, 0.018, 0.02]
    # algorithms.md prints these losses after 1000 steps
    assert ok.get_ydata() == pytest.approx([8.033e-08, 2.944e-15, 9.305e-23, 2.369e-09], rel=1e-3)
    assert bad.get_ydata() == pytest.approx([8.703e11, 1.096e108, 1.718e273], rel=1e-3)
    exact = lines["exact: Σ_i λ_i/2 · (1 − αλ_i)^{2T} c_i²"]
    at = np.searchsorted(exact.get_xdata(), 0.01)
    rate = exact.get_xdata()[at]
    assert rate == pytest.approx(0.01, rel=0.02) and exact.get_ydata()[at] < 1e-12


def test_feature_scaling_figure_zigzags_raw_and_goes_straight_standardized():
    raw_ax, scaled_ax = plot_feature_scaling_contours().axes
    raw_path = raw_ax.get_lines()[0]
    # algorithms.md prints the raw slope's first steps
    assert raw_path.get_ydata()[:6] == pytest.approx(
        [0.0, 3.154, 0.135, 3.066, 0.262, 2.985], abs=5e-4
    )
    scaled = np.column_stack([line_data for line_data in scaled_ax.get_lines()[0].get_data()])
    direction = scaled[1:] - scaled[0]
    cross = direction[:, 0] * scaled[1, 1] - direction[:, 1] * scaled[1, 0]
    assert np.allclose(cross, 0, atol=1e-9)  # one straight line from (0, 0)
    assert "κ ≈ 70" in raw_ax.get_title() and "κ = 1" in scaled_ax.get_title()


def test_clipping_directions_figure_shows_the_printed_clipped_vectors():
    ax = plot_clipping_directions().axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert labels[:3] == [
        "direction of g = [100, 1] (length 100.0)",
        "clip_by_value: [0.5, 0.5], turned 44.4°",
        "clip_by_norm: length 0.5, turned 0.0°",
    ]
    value_arrow, norm_arrow = ax.collections[:2]
    assert (value_arrow.U[0], value_arrow.V[0]) == pytest.approx((0.5, 0.5))
    assert (norm_arrow.U[0], norm_arrow.V[0]) == pytest.approx((0.499975, 0.005), abs=1e-6)


def test_wall_smoothness_figure_matches_the_printed_table_and_runs():
    left, right = plot_wall_smoothness().axes
    points = left.get_lines()[2]
    # trends.md prints |f'| and f'' at x = 0, 0.5, 1, 2, 3, 5
    assert points.get_xdata() == pytest.approx([0.0, 1.5, 6.0, 36.0, 114.0, 510.0])
    assert points.get_ydata() == pytest.approx([2.0, 5.0, 14.0, 50.0, 110.0, 302.0])
    curve, bound = left.get_lines()[:2]
    assert np.all(curve.get_ydata() <= bound.get_ydata() + 1e-12)
    plain, safe, clipped = (line.get_ydata() for line in right.get_lines())
    assert plain[:5] == pytest.approx([3.0, 8.4, 230.3616, 4.8896e6, 4.676e19], rel=1e-4)
    assert np.argmax(safe < 1e-6) == 362 and np.argmax(clipped < 1e-6) == 83
    assert right.texts[0].get_text() == "gradient overflows at step 6"


# --- gdguide_site/figures.py (scripts/make_figures.py) -----------------------------------------


def load_make_figures():
    return importlib.import_module("gdguide_site.figures")


def test_make_figures_registry_draws_every_figure_function():
    registry = load_make_figures().FIGURES
    called = set()
    for make in registry.values():
        code = make.__code__
        called.update(name for name in code.co_names if name.startswith("plot_"))
    public = {name for name in plotting.__all__ if name.startswith("plot_")}
    assert called == public
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in registry)


def test_make_figures_writes_selected_figures_and_keeps_others(tmp_path, monkeypatch):
    module = load_make_figures()
    small = {"wall": SMALL["wall"], "rnn-training": SMALL["rnn_training"], "lr-sweep": None}
    monkeypatch.setattr(module, "FIGURES", small)
    (tmp_path / "old-name.svg").write_text("<svg/>")
    module.main(["--lang", "zh", "--out", str(tmp_path), "--only", "wall", "rnn-training"])
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == [
        "old-name.svg",
        "rnn-training.svg",
        "wall.svg",
    ]
    assert "陡壁" in (tmp_path / "wall.svg").read_text(encoding="utf-8")


def test_make_figures_removes_stale_svgs_on_a_full_run(tmp_path, monkeypatch):
    module = load_make_figures()
    monkeypatch.setattr(module, "FIGURES", {"wall": lambda lang: plot_wall(num_steps=5, lang=lang)})
    (tmp_path / "old-name.svg").write_text("<svg/>")
    module.make_figures("en", tmp_path)
    assert [p.name for p in tmp_path.glob("*.svg")] == ["wall.svg"]


def test_make_figures_rejects_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="unknown figure"):
        load_make_figures().make_figures("en", tmp_path, ["nope"])


def test_docs_figure_folders_are_ignored_by_git():
    result = subprocess.run(
        ["git", "check-ignore", "docs/zh/figures/wall.svg", "docs/en/figures/x.svg"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.stdout.split() == ["docs/zh/figures/wall.svg", "docs/en/figures/x.svg"]
