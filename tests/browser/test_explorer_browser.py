"""The interactive explorers in a real browser (headless Chromium through Playwright).

- Parity: slider, radio and preset settings are made through the page's controls; the iterates
  the page computed (`window.gdguideExplorer.lastRun(...)`) must equal `gdguide.gradient_descent`
  with the same settings to a relative 1e-12 (absolute 1e-300 near zero), with inf/NaN in the
  same places and the same `first_nonfinite_step`.
- Both languages render both explorers with labels in the page's language, accessible names on
  every control, keyboard operation and visible focus, and fit a 390 px wide phone screen.
- No request leaves 127.0.0.1 (every other request is aborted and reported).

The site is built once per session (the `built_site` fixture of the root conftest) and served on
a random port of 127.0.0.1; Chromium is started as gdguide_site/chromium.py says
(browser_support.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import numpy as np
import pytest
from browser_support import START_EXPLORERS, browser, site_url  # noqa: F401 (fixtures)

from gdguide import (
    ClipByNorm,
    ClipByValue,
    Momentum,
    RecurrentCliff,
    Wall,
    article_regression,
    gradient_descent,
)

pytestmark = pytest.mark.slow
HAN = re.compile(r"[\u4e00-\u9fff]")
PAGES = {"regression": "algorithms/", "cliffs": "code/"}
PROBLEMS = {
    "regression2": article_regression(fit_intercept=True),
    "regression1": article_regression(),
    "wall": Wall(),
    "cliff": RecurrentCliff(),
}


class Visit:
    """One page in a fresh context: console errors and requests to other hosts are recorded."""

    def __init__(self, browser, url: str, width: int = 1200, scroll_to_explorer: bool = True):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(url)
        if scroll_to_explorer:  # as a reader does: explorer.js builds it when it comes near
            assert self.page.evaluate(START_EXPLORERS) == 1

    def _route(self, route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, site_url):
    opened: list[Visit] = []

    def open_page(kind: str, lang: str = "en", width: int = 1200, scroll: bool = True) -> Visit:
        prefix = "en/" if lang == "en" else ""
        opened.append(Visit(browser, f"{site_url}{prefix}{PAGES[kind]}", width, scroll))
        return opened[-1]

    yield open_page
    for v in opened:
        assert v.foreign == [], v.foreign
        assert v.errors == [], v.errors
        v.close()


# ---------------------------------------------------------------------------------- parity


def set_controls(page, kind: str, settings: dict) -> None:
    """Make `settings` through the controls: presets are clicked, radios checked, sliders set."""
    root = page.locator(f'[data-gdguide-explorer="{kind}"]')
    if "preset" in settings:
        root.locator(f'[data-preset="{settings["preset"]}"]').click()
    for key in ("problem", "clip"):
        if key in settings:
            root.locator(f'input[data-key="{key}"][value="{settings[key]}"]').check()
    for key in ("alpha", "c", "beta", "x0", "steps"):
        if key in settings:
            root.locator(f'input[data-key="{key}"]').fill(str(settings[key]))


def reference(problem: str, run: dict):
    clip = {
        "none": None,
        "value": ClipByValue(run["c"]),
        "norm": ClipByNorm(run["c"], error_if_nonfinite=False),
    }[run["clip"]]
    if run["beta"] > 0:
        how = {"optimizer": Momentum(run["alpha"], momentum=run["beta"])}
    else:
        how = {"learning_rate": run["alpha"]}
    p = PROBLEMS[problem]
    return gradient_descent(
        p.grad, np.array(run["x0"], float), num_steps=run["steps"], clip=clip, **how
    )


def assert_same_iterates(page_params: np.ndarray, expected: np.ndarray) -> None:
    assert page_params.shape == expected.shape
    finite = np.isfinite(expected)
    # inf/NaN at the same places, with the same signs
    assert np.array_equal(np.isfinite(page_params), finite)
    assert np.array_equal(page_params[~finite], expected[~finite], equal_nan=True)
    got, want = page_params[finite], expected[finite]
    error = np.abs(got - want)
    near_zero = np.abs(want) < 1e-290
    assert np.all(error[near_zero] <= 1e-300)
    relative = error[~near_zero] / np.abs(want[~near_zero])
    assert relative.max(initial=0.0) <= 1e-12, relative.max()


CASES = {
    "regression": [
        {"preset": "converge"},
        {"preset": "above", "steps": 1000},
        {"preset": "wobble"},
        {"preset": "momentum"},
        {"alpha": 0.04, "clip": "none", "beta": 0, "steps": 1000},  # overflows: inf, then NaN
        {"alpha": 0.03, "clip": "norm", "c": 0.0, "beta": 0.5, "steps": 600},  # c = 1
        {"alpha": 0.0305, "clip": "value", "c": -1.0, "beta": 0.9, "steps": 1000},  # c = 0.1
        {"alpha": 0.0169, "clip": "norm", "c": 2.5, "beta": 0, "steps": 1000},
    ],
    "cliffs": [
        {"preset": "wallPlain"},
        {"preset": "wallClip"},
        {"preset": "cliffPlain"},
        {"preset": "cliffWobble"},
        {"preset": "cliffSmall"},
        {"problem": "wall", "alpha": 1.2, "clip": "value", "c": 0.3, "beta": 0.5, "x0": -3.5},
        {"problem": "wall", "alpha": 0.3, "clip": "none", "beta": 0.9, "x0": 1.5, "steps": 400},
        {"problem": "cliff", "alpha": 0.0009, "clip": "none", "beta": 0, "x0": 1.02, "steps": 1000},
        {"problem": "cliff", "alpha": 0.02, "clip": "value", "c": -1.0, "beta": 0.9, "x0": 0.85},
    ],
}


@pytest.mark.parametrize(
    ("kind", "settings"),
    [(kind, s) for kind, cases in CASES.items() for s in cases],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()),
)
def test_page_iterates_equal_gdguide_gradient_descent(visit, kind, settings):
    page = visit(kind).page
    set_controls(page, kind, settings)
    runs = page.evaluate(f"window.gdguideExplorer.lastRun({kind!r})")
    assert runs, "the explorer exposes no run"
    for problem, run in runs.items():
        if "alpha" in settings:  # the page used the slider's value
            assert run["alpha"] == settings["alpha"]
        expected = reference(problem, run)
        assert_same_iterates(np.array(run["params"], float), expected.params)
        assert run["firstNonfinite"] == expected.first_nonfinite_step, problem


def test_parity_cases_include_overflow_clipping_and_momentum(visit):
    page = visit("regression").page
    set_controls(page, "regression", CASES["regression"][4])
    runs = page.evaluate("window.gdguideExplorer.lastRun('regression')")
    assert all(run["firstNonfinite"] is not None for run in runs.values())
    set_controls(page, "regression", {"preset": "wobble"})
    run = page.evaluate("window.gdguideExplorer.lastRun('regression')")["regression2"]
    assert run["clip"] == "value" and run["clippedCount"] > 0 and run["alpha"] > 2 / 118.3095


# ---------------------------------------------------------------------------------- rendering


def control_names(page) -> list[tuple[str, str]]:
    """(id or type, accessible name) of every control of the explorers."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.gx input, .gx button')].map((el) => {
            const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
            const own = el.tagName === 'BUTTON' ? el.textContent : '';
            return [el.id || el.type, (el.getAttribute('aria-label') || label || own).trim()];
        })"""
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", ["regression", "cliffs"])
def test_explorer_renders_in_the_page_language_with_named_controls(visit, kind, lang):
    page = visit(kind, lang).page
    assert page.evaluate("document.documentElement.lang") == lang
    names = control_names(page)
    assert len(names) >= 8
    assert all(name for _, name in names), names
    visible = page.locator(".gx").inner_text()
    text = re.sub(r"[θλαβ]|\S*[\u2070-\u209f]\S*", "", visible)  # symbols, not words
    assert bool(HAN.search(text)) == (lang == "zh")
    if lang == "en":
        assert not HAN.search(visible)
    assert page.locator(".gx svg.gx-plot[aria-label]").count() >= 2
    assert page.locator(".gx-status").inner_text().strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", ["regression", "cliffs"])
def test_explorer_is_built_only_when_the_reader_scrolls_near_it(visit, kind, lang):
    # Its first run and drawing take hundreds of milliseconds on a slow phone: done at load, that
    # blocked the page (Lighthouse's total blocking time). Until then a note in the page's
    # language holds its place.
    page = visit(kind, lang, width=390, scroll=False).page
    root = page.locator(f'[data-gdguide-explorer="{kind}"]')
    page.wait_for_selector(".gx-pending")
    page.wait_for_load_state("networkidle")
    assert root.locator(".gx-plot").count() == 0
    assert bool(HAN.search(root.inner_text())) == (lang == "zh")
    assert page.evaluate("(k) => window.gdguideExplorer.lastRun(k)", kind) is None
    root.scroll_into_view_if_needed()
    page.wait_for_selector(f'[data-gdguide-explorer="{kind}"] .gx-plot')
    assert page.evaluate(f"window.gdguideExplorer.lastRun({kind!r})") is not None


def test_explorer_is_keyboard_operable_with_visible_focus(visit):
    page = visit("regression").page
    alpha = page.locator('[data-gdguide-explorer="regression"] input[data-key="alpha"]')
    before = page.evaluate("window.gdguideExplorer.lastRun('regression').regression2.alpha")
    page.locator(".gx .gx-preset").first.focus()
    for _ in range(10):
        if page.evaluate("document.activeElement.dataset.key") == "alpha":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.key") == "alpha"
    outline = alpha.evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("ArrowRight")
    after = page.evaluate("window.gdguideExplorer.lastRun('regression').regression2.alpha")
    assert after == pytest.approx(before + 0.00005)
    page.keyboard.press("Tab")  # to the radio group: arrows choose the clipping
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.gdguideExplorer.lastRun('regression').regression2.clip") == "value"


@pytest.mark.parametrize("kind", ["regression", "cliffs"])
def test_explorer_fits_a_phone_screen(visit, kind):
    page = visit(kind, "zh", width=390).page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".gx").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_only_explorer_pages_load_the_explorer(built_site):
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        has_explorer = "data-gdguide-explorer=" in text
        assert ("assets/js/explorer.js" in text) == has_explorer, page
    for root in (built_site, built_site / "en"):
        assert "data-gdguide-explorer=" in (root / "algorithms" / "index.html").read_text("utf-8")
        assert "data-gdguide-explorer=" in (root / "code" / "index.html").read_text("utf-8")
