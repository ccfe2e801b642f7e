"""The in-browser diagnosis page (docs/*/diagnose.md) in headless Chromium, against Python.

- Parity: each shipped log of tests/data/logs (pasted, or chosen through the file input when it is
  several files) and edge cases (NaN rows, a rolled-back run, no gradient-norm column, other column
  names) give, in the page's JSON report, what `gdguide.diagnose.diagnose_files` returns for the
  same text: every key (floats to 1e-12) except the file names.
- Bad input (empty, a missing column, text where a number belongs, neither CSV nor JSON Lines)
  shows one line in the page's language in the alert, and no report; Python refuses it too.
- The plot marks every spike and non-finite step; the labels are in the page's language; every
  control has a label and the form works by keyboard; no request leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import browser, site_url  # noqa: F401 (fixtures)

from gdguide.diagnose import LogError, diagnose_files
from tests.test_diagnose_js import EXAMPLES, assert_same

pytestmark = pytest.mark.slow
LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
HAN = re.compile(r"[\u4e00-\u9fff]")
ROOT = "[data-gdguide-diagnose]"

EDGE_CASES = {
    "nan_rows": (
        "step,loss,grad_norm\n"
        + "".join(f"{i},{2 + (i % 5) / 10},{1 + (i % 3) / 10}\n" for i in range(60))
        + "60,nan,nan\n61,NaN,inf\n"
        + "".join(f"{i},2.1,1.1\n" for i in range(62, 90)),
        {},
    ),
    "rolled_back": (
        "step,loss,grad_norm\n"
        + "".join(f"{i},{3 - i / 100},{1 + (i % 4) / 8}\n" for i in range(80))
        + "".join(f"{i},{2.5 - i / 200},{1.2 if i != 70 else 30}\n" for i in range(50, 120)),
        {},
    ),
    "no_grad_norm.jsonl": (
        "".join(f'{{"step": {i}, "loss": {9.0 if i == 40 else 2.0}}}\n' for i in range(70)),
        {},
    ),
    "other_names": (
        "iteration,train_loss,total_norm\n"
        + "".join(f"{i},{2.0},{25.0 if i == 33 else 1 + (i % 2) / 4}\n" for i in range(60)),
        {"step": "iteration", "loss": "train_loss", "grad_norm": "total_norm"},
    ),
}

BAD_INPUT = {
    "empty": ("", {}, "errorEmpty"),
    "header_only": ("step,loss,grad_norm\n", {}, "errorEmpty"),
    "missing_column": ("step,loss\n0,1\n1,2\n", {"grad_norm": "gnorm"}, "errorColumn"),
    "no_used_column": ("step,accuracy\n0,0.5\n", {}, "errorColumn"),
    "text_for_number": ("step,loss,grad_norm\n0,2.0,1.0\n1,two,1.0\n", {}, "errorNumber"),
    "neither": ("just some words\nand more words\n", {}, "errorFormat"),
}


class DiagnosePage:
    """The diagnosis page of one language in a fresh context; foreign requests are aborted."""

    def __init__(self, browser, url: str, width: int = 1200):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(url)
        self.page.wait_for_selector(f"{ROOT}[data-state=ready]")
        self.text = self.page.evaluate(
            """() => Object.fromEntries([...document.querySelector(
                   "template[data-gdguide-diagnose-text]").content.querySelectorAll("[data-key]")]
                   .map((e) => [e.dataset.key, e.textContent]))"""
        )

    def _route(self, route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def _set_names(self, names: dict[str, str]) -> None:
        for role in ("step", "loss", "grad_norm", "lr", "update_norm"):
            self.page.fill(f"input[data-role={role}]", names.get(role, ""))

    def _finish(self) -> str:
        self.page.wait_for_selector(f"{ROOT}[data-state=done], {ROOT}[data-state=error]")
        return self.page.get_attribute(ROOT, "data-state")

    def paste(self, text: str, names: dict[str, str] | None = None) -> str:
        self._set_names(names or {})
        self.page.evaluate(f"document.querySelector('{ROOT}').dataset.state = 'stale'")
        self.page.fill("textarea", text)
        self.page.click("button[type=submit]")
        return self._finish()

    def choose(self, paths: list[Path], names: dict[str, str] | None = None) -> str:
        self._set_names(names or {})
        self.page.evaluate(f"document.querySelector('{ROOT}').dataset.state = 'stale'")
        self.page.set_input_files("input[type=file]", [str(p) for p in paths])
        return self._finish()

    def report(self) -> dict:
        return json.loads(self.page.text_content("[data-gdguide-diagnose-json]"))

    def error(self) -> str:
        alert = self.page.locator("[data-gdguide-diagnose-error]")
        return alert.inner_text() if alert.is_visible() else ""


@pytest.fixture(scope="module")
def pages(browser, site_url):  # noqa: F811 (the fixtures imported above)
    opened = {
        "en": DiagnosePage(browser, f"{site_url}en/diagnose/"),
        "zh": DiagnosePage(browser, f"{site_url}diagnose/"),
    }
    yield opened
    for visit in opened.values():
        assert visit.errors == [], visit.errors
        assert visit.foreign == [], visit.foreign
        visit.context.close()


def python_report(text: str, names: dict[str, str], tmp_path: Path, name: str = "log.csv") -> dict:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return diagnose_files([str(path)], names or None)


def assert_same_report(page_report: dict, py_report: dict) -> None:
    """Every key equal (floats to 1e-12) except the file names (a pasted log has none)."""
    assert len(page_report.pop("files")) == len(py_report.pop("files"))
    for resume in page_report["resumes"] + py_report["resumes"]:
        resume.pop("file")
    assert_same(page_report, py_report)


@pytest.mark.parametrize("case", sorted(EXAMPLES))
def test_page_reports_what_python_reports_on_the_shipped_logs(pages, case, tmp_path):
    paths = [LOGS / p for p in EXAMPLES[case]]
    visit = pages["en"]
    if len(paths) == 1:
        assert visit.paste(paths[0].read_text(encoding="utf-8")) == "done"
    else:  # several files (a resumed run, TensorBoard tags): through the file input
        assert visit.choose(paths) == "done"
        assert visit.report()["files"] == [p.name for p in paths]
    py = diagnose_files([str(p) for p in paths])
    page = visit.report()
    assert page["grad_norm_spikes"] == py["grad_norm_spikes"]
    assert page["suggested_max_norm"] == py["suggested_max_norm"]
    assert_same_report(page, py)


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_page_reports_what_python_reports_on_edge_cases(pages, case, tmp_path):
    text, names = EDGE_CASES[case]
    name = case if "." in case else f"{case}.csv"
    py = python_report(text, names, tmp_path, name)
    for lang in ("en", "zh"):
        assert pages[lang].paste(text, names) == "done", pages[lang].error()
        assert_same_report(pages[lang].report(), json.loads(json.dumps(py)))
    if case == "nan_rows":
        assert py["nonfinite_steps"] == [60, 61]
    if case == "rolled_back":
        assert [r["step"] for r in py["resumes"]] == [50]


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_shows_one_line_in_the_page_language(pages, case, tmp_path):
    text, names, kind = BAD_INPUT[case]
    with pytest.raises(LogError):
        python_report(text, names, tmp_path)
    for lang, visit in pages.items():
        assert visit.paste(text, names) == "error"
        message = visit.error()
        assert message.startswith(visit.text[kind]), (lang, message)
        assert "\n" not in message
        assert visit.page.locator("[data-gdguide-diagnose-output] > *").count() == 0
        if lang == "zh":
            assert HAN.search(message)


def test_plot_marks_every_spike_and_nonfinite_step(pages):
    text, names = EDGE_CASES["nan_rows"]
    text = text.replace("70,2.1,1.1", "70,2.1,40").replace("72,2.1,1.1", "72,9.0,1.1")
    visit = pages["en"]
    assert visit.paste(text, names) == "done"
    report = visit.report()
    assert report["grad_norm_spikes"] == [70] and report["loss_spikes"] == [72]
    plot = visit.page.locator("svg.gdguide-diagnose-plot")
    assert plot.get_attribute("role") == "img"
    assert "gradient-norm spikes 1, loss spikes 1" in plot.get_attribute("aria-label")
    panels = {
        "grad_norm": plot.locator(".is-grad_norm"),
        "loss": plot.locator(".is-loss"),
    }
    for key, panel in panels.items():
        spikes = panel.locator("circle.gdguide-diagnose-spike")
        nonfinite = panel.locator("line.gdguide-diagnose-nonfinite")
        assert spikes.count() == len(report[f"{key}_spikes"])
        assert nonfinite.count() == len(report["nonfinite"][key])


def test_labels_follow_the_page_language(pages):
    log = (LOGS / "spike_led_by_grad_norm.csv").read_text(encoding="utf-8")
    for lang, visit in pages.items():
        assert visit.paste(log) == "done"
        terms = visit.page.locator(".gdguide-diagnose-result dt").all_inner_texts()
        assert len(terms) >= 7
        for term in terms:
            assert bool(HAN.search(term)) == (lang == "zh"), term
        assert visit.page.locator("[data-gdguide-diagnose-output]").get_attribute("aria-live")
        # the core's English rules, caveats and notes: translated on the zh page, the JSON unchanged
        words = ":is([data-field=caveats], [data-field=notes]) li, [data-field=clip_rates] td+td+td"
        shown = visit.page.locator(words).all_inner_texts()
        assert len(shown) >= 7
        for text in shown:
            assert bool(HAN.search(text)) == (lang == "zh"), text
        assert visit.report()["suggestion"]["caveats"][0].startswith("the norm drifts")


def test_every_control_has_a_label_and_the_form_works_by_keyboard(pages):
    page = pages["en"].page
    for control in page.locator(f"{ROOT} :is(input, textarea, select, button)").all():
        name = control.evaluate(
            "e => e.labels?.[0]?.textContent.trim() || e.getAttribute('aria-label')"
            " || e.textContent"
        )
        assert name.strip(), control.evaluate("e => e.outerHTML")
    text, _ = EDGE_CASES["nan_rows"]
    pages["en"]._set_names({})
    page.evaluate(f"document.querySelector('{ROOT}').dataset.state = 'stale'")
    page.fill("textarea", text)
    page.focus("textarea")
    for _ in range(10):
        if page.evaluate("document.activeElement.type") == "submit":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    assert pages["en"]._finish() == "done"
    assert pages["en"].report()["nonfinite_steps"] == [60, 61]


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document.querySelector('[data-gdguide-diagnose]'), {
    resultTypes: ['violations'],
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
  });
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}"""


@pytest.mark.skipif(not AXE.exists(), reason="needs node_modules/axe-core (npm ci)")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_passes_axe_and_fits_a_phone(browser, site_url, lang):  # noqa: F811 (fixtures)
    prefix = "en/" if lang == "en" else ""
    visit = DiagnosePage(browser, f"{site_url}{prefix}diagnose/", width=390)
    try:
        log = (LOGS / "goes_nan.jsonl").read_text(encoding="utf-8")
        assert visit.paste(log) == "done"
        visit.page.add_script_tag(path=str(AXE))
        assert visit.page.evaluate(AXE_RUN) == []
        widths = visit.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], widths
        assert visit.errors == [] and visit.foreign == []
    finally:
        visit.context.close()


def test_a_chosen_file_that_is_bad_shows_the_error_too(pages, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    words = tmp_path / "notes.txt"
    words.write_text("this is not a log\n", encoding="utf-8")
    for path, kind in ((empty, "errorEmpty"), (words, "errorFormat")):
        with pytest.raises(LogError):
            diagnose_files([str(path)])
        for visit in pages.values():
            assert visit.choose([path]) == "error"
            assert visit.error().startswith(visit.text[kind])
            assert path.name in visit.error()
