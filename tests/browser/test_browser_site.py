"""The built site in a real browser (Playwright driving Chromium), every page in both languages.

The site is built once per session (the root conftest's `built_site`), served from 127.0.0.1 by
`scripts/serve_site.py`'s handler, and walked once by one browser (`walk`): each Chinese page, its
English twin reached by clicking the language switch, and back by the switch again; then both 404
pages. On each page the walk reads what the tests below check (tests/browser/page_probe.js), clicks
every code block's copy button and reads the system clipboard, runs axe-core
(node_modules/axe-core, pinned in package.json) and saves screenshots to build/screenshots/
(`desktop/`: the first screen at 1280x800; `phone/`: the full page at 390x844). The Python blocks
copied from a page (launched scripts aside) run in order in a fresh `python`
(tests/browser/run_blocks.py) in a background thread while the walk goes on; the blocks of an
exercise solution (a details block titled 解答 / Solution) are left out of the page's run and each
solution runs in a namespace of its own.

Which Chromium, and how it is started: gdguide_site/chromium.py (fixtures in browser_support.py).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_support import START_EXPLORERS, browser, playwright_api, site_url  # noqa: F401 (fixtures)
from gdguide_site.katex_fonts import Font, FontMap
from gdguide_site.page_parser import FENCES, PageParser, PythonBlock
from sybil import Document

from tests import launch

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DOCS = ROOT / "docs"
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
KATEX_FONTS = ROOT / "node_modules" / "katex" / "dist" / "fonts"  # the full fonts
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MAX_SHOT = 20_000  # px; the API reference is ~140 000 px tall on a phone (13 s for one PNG)
LANGS = ("zh", "en")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<![\\\s])\$")


# --- the pages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitePage:
    lang: str
    path: str  # inside the language's root: "", "code/", "notebooks/x/", "no-such-page/"
    kind: str  # "home", "page", "api", "notebook", "404"
    source: Path | None

    @property
    def key(self) -> str:
        return f"{self.lang}-{self.path.strip('/').replace('/', '-') or 'home'}"

    @property
    def url_path(self) -> str:
        return ("" if self.lang == "zh" else "en/") + self.path


def site_pages() -> list[SitePage]:
    found = []
    for lang in LANGS:
        root = DOCS / lang
        for source in sorted(root.rglob("*")):
            if source.suffix not in {".md", ".ipynb"} or ".ipynb_checkpoints" in source.parts:
                continue
            relative = source.relative_to(root).with_suffix("")
            if relative.name == "index":
                path = "" if relative.parent == Path(".") else f"{relative.parent.as_posix()}/"
            else:
                path = f"{relative.as_posix()}/"
            kind = "home" if path == "" else "api" if path.startswith("api/") else "page"
            if source.suffix == ".ipynb":
                kind = "notebook"
            found.append(SitePage(lang, path, kind, source))
        found.append(SitePage(lang, "no-such-page/", "404", None))
    return found


PAGES = site_pages()
CONTENT_PAGES = [p for p in PAGES if p.kind != "404"]
CODE_PAGES = [p for p in CONTENT_PAGES if p.kind != "api"]


def page_ids(page: SitePage) -> str:
    return page.key


def prose(text: str) -> str:
    """Markdown without fenced blocks and inline code (there `$` is not math)."""
    pieces, last = [], 0
    for region in FENCES(Document(text, "page.md")):
        pieces.append(text[last : region.start])
        last = region.end
    pieces.append(text[last:])
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", "".join(pieces), flags=re.DOTALL)


def source_formulas(page: SitePage) -> int:
    """How many formulas the page's source has (markdown cells of a notebook)."""
    if page.source.suffix == ".ipynb":
        cells = json.loads(page.source.read_text(encoding="utf-8"))["cells"]
        text = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = page.source.read_text(encoding="utf-8")
    text = prose(text)
    return len(DISPLAY_MATH.findall(text)) + len(INLINE_MATH.findall(DISPLAY_MATH.sub(" ", text)))


def source_python_blocks(parser: PageParser, page: SitePage) -> list[str]:
    """The page's Python code as written in its source, in page order."""
    if page.source.suffix == ".ipynb":
        cells = json.loads(page.source.read_text(encoding="utf-8"))["cells"]
        return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    kinds = (PythonBlock, launch.LaunchedScript)
    return [block.source for block in parser.python_blocks(page.source, kinds=kinds)]


# --- browser, server, walk -----------------------------------------------------------------------


@dataclass
class Visit:
    page: SitePage
    url: str = ""
    probe: dict = field(default_factory=dict)
    console: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    copies: dict[str, str] = field(default_factory=dict)
    clicked_copy: tuple[str, str] | None = None  # (block id, clipboard) after a real mouse click
    axe: list[dict] = field(default_factory=list)
    phone: dict = field(default_factory=dict)
    switched_to: str | None = None  # where the language switch led from this page
    runs: Future | None = None
    error: str | None = None
    seconds: float = 0.0
    shot_cut: int = 0  # the page's height when its phone screenshot stops at MAX_SHOT

    def check(self) -> None:
        if self.error:
            pytest.fail(f"{self.page.key}: the walk failed on this page:\n{self.error}")

    def python_blocks(self) -> list[dict]:
        return [b for b in self.probe["blocks"] if b["language"] == "python"]


@dataclass
class Walk:
    base: str
    visits: dict[str, Visit]
    seconds: float
    runner_seconds: float = 0.0


class Recorder:
    """Console errors, requests to other hosts, failed responses; filed under the current page."""

    def __init__(self, base: str):
        self.base = base
        self.current: Visit | None = None

    def console(self, message) -> None:
        if message.type != "error" or self.current is None:
            return
        url = (message.location or {}).get("url", "")
        if self.current.page.kind == "404" and url.endswith(self.current.page.url_path):
            return  # the browser's note that the 404 page itself came with status 404
        self.current.console.append(f"{message.text} ({url})")

    def page_error(self, error) -> None:
        if self.current is not None:
            self.current.console.append(f"uncaught: {error}")

    def request(self, request) -> None:
        url = request.url
        if self.current is not None and not url.startswith((self.base, "data:", "blob:")):
            self.current.external.append(url)

    def response(self, response) -> None:
        if self.current is None or response.status < 400:
            return
        if self.current.page.kind == "404" and response.request.is_navigation_request():
            return  # the 404 page itself
        self.current.failed.append(f"{response.status} {response.url}")

    def request_failed(self, request) -> None:
        # ERR_ABORTED: the walk left the page (language switch) before a late request ended.
        if self.current is not None and "ERR_ABORTED" not in (request.failure or ""):
            self.current.failed.append(f"failed ({request.failure}) {request.url}")


PROBE = (HERE / "page_probe.js").read_text(encoding="utf-8")
# What each copy button puts on the clipboard: Material's clipboard.js copies the selection of a
# hidden textarea (document.execCommand("copy")); the copy event shows exactly that text. (One
# block per page is also checked on the real system clipboard after a real mouse click.)
COPY_ALL = """(ids) => {
  const copied = {};
  let text = null;
  const listen = (event) => {
    const box = event.target;
    text = box && 'value' in box
      ? box.value.slice(box.selectionStart, box.selectionEnd)
      : document.getSelection().toString();
  };
  document.addEventListener('copy', listen, true);
  for (const id of ids) {
    text = null;
    document.getElementById(id).querySelector('.md-code__button[data-md-type=copy]').click();
    copied[id] = text;
  }
  document.removeEventListener('copy', listen, true);
  return copied;
}"""
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    resultTypes: ['violations'],
    // WCAG 2.1 A/AA and axe's best practices; not WCAG 2.2's target-size, which alone took a
    // third of the audit's time on the long pages.
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '')
      .replace(/\\s+/g, ' ').slice(0, 200)),
  }));
}"""
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.position === 'fixed') continue;
    let contained = false;  // inside a box that scrolls or clips horizontally (html/body excepted)
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const s = getComputedStyle(up);
      if (s.overflowX !== 'visible' || s.position === 'fixed' || s.visibility === 'hidden') {
        contained = true;
        break;
      }
    }
    if (!contained) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        [...el.classList].slice(0, 3).map((c) => '.' + c).join('');
      offenders.push(`${name} (right edge ${Math.round(box.right)} px)`);
    }
  }
  const scrollWidth = document.documentElement.scrollWidth;
  return {width, scrollWidth, offenders: offenders.slice(0, 8)};
}"""
RENDER_ALL = "* { content-visibility: visible !important; }"
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def run_blocks(blocks: list[dict]) -> tuple[list[dict], float]:
    """Run copied blocks in a fresh Python (run_blocks.py); its results and the seconds it took."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gdguide-copied-") as folder:
        done = subprocess.run(
            [sys.executable, str(HERE / "run_blocks.py")],
            input=json.dumps({"blocks": blocks}),
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=folder,
            env={**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"},
            timeout=600,
        )
    if done.returncode != 0:
        raise RuntimeError(f"run_blocks.py failed:\n{done.stderr}")
    return json.loads(done.stdout), time.perf_counter() - started


def switch_language(page, lang: str, wait_until: str = "load") -> None:
    """Open the header's language menu and click `lang`, as a reader does."""
    page.hover(".md-header__option .md-select")
    link = page.locator(f".md-header__option .md-select__link[hreflang={lang}]")
    with page.expect_navigation(wait_until=wait_until):
        link.click()


def screenshot_name(visit: Visit) -> str:
    return f"{visit.page.key}.png"


STEP_SECONDS: Counter[str] = Counter()  # where the walk's time goes (printed after it)


@contextlib.contextmanager
def step(name: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        STEP_SECONDS[name] += time.perf_counter() - started


def runs_in_order(block: dict) -> bool:
    """Whether a shown python block is one a reader pastes in order into one fresh `python`.

    Not-run blocks are not; nor are launched scripts (`# file: x.py` first, run by their own
    launch command: tests/launch.py), which are exempt from the run-in-order rule.
    """
    return not block["notRun"] and launch.script_name(block["text"]) is None


def inspect(page, visit: Visit, runner: ThreadPoolExecutor) -> None:
    """Everything the tests read from the loaded page (desktop viewport on entry and exit)."""
    visit.url = page.url
    with step("explorers"):  # built when a reader scrolls near them: scroll there first
        page.evaluate(START_EXPLORERS)
    # Blocks with math far from the screen are skipped until scrolled to (content-visibility:
    # auto in gdguide.css). Render all of them, as a reader scrolling the page sees them: the
    # probe, the phone check, the full-page screenshot and axe then see every block laid out
    # (axe measured skipped blocks at their estimated height and saw text over other blocks).
    page.add_style_tag(content=RENDER_ALL)
    with step("probe"):
        visit.probe = page.evaluate(PROBE)
    # Screenshots and the phone check first, on the page as loaded (no toast, no focus ring).
    with step("screenshots"):
        page.screenshot(path=SCREENSHOTS / "desktop" / screenshot_name(visit))
    with step("phone"):
        page.set_viewport_size(PHONE)
        page.evaluate(SETTLE)
        visit.phone = page.evaluate(OVERFLOW)
    with step("screenshots"):
        height = page.evaluate("document.documentElement.scrollHeight")
        cut = {"clip": {"x": 0, "y": 0, **PHONE, "height": MAX_SHOT}} if height > MAX_SHOT else {}
        visit.shot_cut = height if cut else 0
        page.screenshot(path=SCREENSHOTS / "phone" / screenshot_name(visit), full_page=True, **cut)
    with step("phone"):
        page.set_viewport_size(DESKTOP)
        page.evaluate(SETTLE)
    python = [b for b in visit.probe["blocks"] if b["language"] == "python" and b["hasCopyButton"]]
    if python and visit.page.kind not in {"api", "404"}:  # the API's are signatures
        with step("copy"):
            # A reader opens a collapsed exercise solution before copying its code (a closed
            # details block has nothing to select).
            page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
            first = page.locator(f"[id='{python[0]['id']}'] .md-code__button[data-md-type=copy]")
            page.evaluate("navigator.clipboard.writeText('\\u0000not copied')")
            first.click()  # a real mouse click, on a button a reader can see and reach
            visit.clicked_copy = (python[0]["id"], page.evaluate("navigator.clipboard.readText()"))
            visit.copies = page.evaluate(COPY_ALL, [b["id"] for b in python])
        blocks = [
            {"code": visit.copies[b["id"]], "notebook": b["notebook"], "solution": b["solution"]}
            for b in python
            if runs_in_order(b)
        ]
        visit.runs = runner.submit(run_blocks, blocks)
    with step("axe"):
        # The page at rest: the copy click left the pointer where a link may now sit, and axe
        # would measure that link's hover colour.
        page.mouse.move(0, 0)
        page.add_script_tag(path=str(AXE))
        visit.axe = page.evaluate(AXE_RUN)


# Module scope: a live sync Playwright keeps an asyncio loop running in this thread, which
# would break every later test that calls asyncio.run (the notebook tests).
@pytest.fixture(scope="module")
def walk(browser, site_url) -> Walk:
    for folder in ("desktop", "phone"):
        shutil.rmtree(SCREENSHOTS / folder, ignore_errors=True)
        (SCREENSHOTS / folder).mkdir(parents=True)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    context.set_default_timeout(15_000)
    recorder = Recorder(site_url)
    page = context.new_page()
    page.on("console", recorder.console)
    page.on("pageerror", recorder.page_error)
    context.on("request", recorder.request)
    context.on("response", recorder.response)
    context.on("requestfailed", recorder.request_failed)
    visits = {p.key: Visit(p) for p in PAGES}
    twins = {(p.lang, p.path): p for p in PAGES}
    started = time.perf_counter()

    def visit(target: Visit, how) -> None:
        recorder.current = target
        clock = time.perf_counter()
        try:
            with step("load"):
                how()
            inspect(page, target, runner)
        except Exception as error:  # noqa: BLE001 - the page's tests report it
            target.error = f"{type(error).__name__}: {error}"
        target.seconds = time.perf_counter() - clock

    with ThreadPoolExecutor(max_workers=1) as runner:
        for zh in [p for p in PAGES if p.lang == "zh"]:
            en = twins.get(("en", zh.path))
            visit(visits[zh.key], lambda zh=zh: page.goto(site_url + zh.url_path))
            if en is None:
                continue
            if zh.kind == "404":
                visit(visits[en.key], lambda en=en: page.goto(site_url + en.url_path))
                continue

            def to_english(zh=zh):
                switch_language(page, "en")
                visits[zh.key].switched_to = page.url

            visit(visits[en.key], to_english)
            recorder.current = visits[en.key]
            try:
                with step("load"):
                    switch_language(page, "zh", wait_until="commit")  # only its URL matters
                visits[en.key].switched_to = page.url
            except Exception as error:  # noqa: BLE001
                visits[en.key].switched_to = f"(the switch failed: {error})"
        for p in PAGES:  # an English page without a Chinese twin (none today)
            if not visits[p.key].url and not visits[p.key].error:
                visit(visits[p.key], lambda p=p: page.goto(site_url + p.url_path))
        recorder.current = None
        seconds = time.perf_counter() - started
        runner_started = time.perf_counter()
        for v in visits.values():
            if v.runs is not None:
                v.runs.exception()  # wait for the last runs
    context.close()
    result = Walk(site_url, visits, seconds, time.perf_counter() - runner_started)
    slowest = sorted(visits.values(), key=lambda v: -v.seconds)[:3]
    print(
        f"\nbrowser walk: {len(visits)} pages in {seconds:.1f} s (slowest: "
        + ", ".join(f"{v.page.key} {v.seconds:.1f} s" for v in slowest)
        + "); by step: "
        + ", ".join(f"{name} {s:.1f} s" for name, s in STEP_SECONDS.most_common())
        + f"; copied code still running after the walk: {result.runner_seconds:.1f} s; "
        f"screenshots in {SCREENSHOTS.relative_to(ROOT)}/"
        + "".join(
            f"; {v.page.key} phone screenshot: first {MAX_SHOT} of {v.shot_cut} px"
            for v in visits.values()
            if v.shot_cut
        )
    )
    return result


@pytest.fixture
def visit_of(walk):
    def get(page: SitePage) -> Visit:
        visit = walk.visits[page.key]
        visit.check()
        return visit

    return get


# --- every page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_page_logs_no_console_errors(visit_of, page):
    assert visit_of(page).console == [], "console errors"


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_page_requests_nothing_from_other_hosts_and_nothing_fails(visit_of, page):
    visit = visit_of(page)
    assert visit.external == [], "requests to hosts other than the local server"
    assert visit.failed == [], "requests that failed"


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_page_declares_its_language(visit_of, page):
    assert visit_of(page).probe["lang"] == page.lang


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_page_has_one_h1_and_no_skipped_heading_level(visit_of, page):
    headings = visit_of(page).probe["headings"]
    assert [h["text"] for h in headings if h["level"] == 1] == [headings[0]["text"]], headings[:3]
    skipped = [
        f"h{before['level']} {before['text']!r} -> h{after['level']} {after['text']!r}"
        for before, after in zip(headings, headings[1:], strict=False)
        if after["level"] > before["level"] + 1
    ]
    assert skipped == [], "heading levels skipped"


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_every_image_loads_and_has_alt_text_in_the_page_language(visit_of, page):
    images = visit_of(page).probe["images"]
    assert [i["src"] for i in images if not i["loaded"]] == [], "images that did not load"
    assert [i["src"] for i in images if not (i["alt"] or "").strip()] == [], "no alt text"
    wrong = [(i["src"], i["alt"]) for i in images if i["hasHan"] != (page.lang == "zh")]
    assert wrong == [], f"alt text not in {page.lang}"


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_math_is_typeset_and_no_raw_tex_is_shown(visit_of, page):
    probe = visit_of(page).probe
    assert probe["rawMath"] == [], "TeX left in the visible text"
    if page.source is not None and page.kind != "api":
        assert probe["katex"] == source_formulas(page), "KaTeX formulas vs formulas in the source"
    if probe["katex"]:
        assert probe["katexCss"], "KaTeX's stylesheet is not applied"


@functools.cache
def font_characters(path: Path) -> frozenset[str]:
    """The characters a font file has glyphs for."""
    from fontTools.ttLib import TTFont

    return frozenset(chr(c) for c in TTFont(path).getBestCmap())


@functools.cache
def katex_font_map(css: Path) -> FontMap:
    return FontMap(css.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_math_fonts_have_a_glyph_for_every_character_the_page_draws(visit_of, page, built_site):
    # The build subsets KaTeX's fonts to what its formulas draw (gdguide_site/katex_fonts.py); a
    # glyph missing there would silently come from a fallback font. The browser says which
    # family/weight/style draws each character; CSS font matching names the file.
    assets = built_site / ("en/" if page.lang == "en" else "") / "assets" / "katex"
    fonts = katex_font_map(assets / "katex.min.css")
    missing = {}
    for key, characters in visit_of(page).probe["mathFonts"].items():
        family, weight, style = key.split("|")
        face = fonts.face(Font(family, int(weight), "italic" if style != "normal" else "normal"))
        assert face is not None, f"math drawn in a font that is not KaTeX's: {key}"
        needed = set(characters) & font_characters(KATEX_FONTS / face)
        lost = needed - font_characters(assets / "fonts" / face)
        if lost:
            missing[face] = "".join(sorted(lost))
    assert missing == {}, "glyphs KaTeX's font has but the site's subset lacks"


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_code_blocks_are_highlighted(visit_of, page):
    blocks = visit_of(page).probe["blocks"]
    plain = [
        f"{b['language'] or '(no language)'} block: {b['text'][:60]!r}"
        for b in blocks
        if b["language"] not in {"output", "text"}
        and not b["coloured"]
        # a plain one-line shell command (`python script.py`) has no token to colour
        and not (b["language"] == "bash" and "\n" not in b["text"].strip())
    ]
    assert plain == [], "code blocks without coloured tokens"


@pytest.mark.parametrize("page", CODE_PAGES, ids=page_ids)
def test_copy_button_copies_exactly_the_blocks_code(visit_of, docs_page_parser, page):
    visit = visit_of(page)
    shown = visit.python_blocks()
    written = [code.rstrip() for code in source_python_blocks(docs_page_parser, page)]
    assert [b["hasCopyButton"] for b in shown] == [True] * len(shown), "blocks without copy button"
    assert [visit.copies.get(b["id"]) for b in shown] == written
    if shown:
        block_id, clipboard = visit.clicked_copy
        assert clipboard == visit.copies[block_id], "a real click copies what the button copies"


@pytest.mark.parametrize("page", CODE_PAGES, ids=page_ids)
def test_copied_blocks_run_in_order_and_print_what_the_page_shows(visit_of, page):
    visit = visit_of(page)
    shown = [b for b in visit.python_blocks() if runs_in_order(b)]
    if visit.runs is None:
        assert shown == []
        return
    results, _ = visit.runs.result()
    cells = iter(visit.probe["cells"])
    for number, (block, result) in enumerate(zip(shown, results, strict=True), 1):
        where = f"block {number} ({block['text'].splitlines()[0][:60]!r})"
        if result["missing"]:
            assert not os.environ.get("CI"), f"{where}: needs {result['missing']} (CI has them)"
            continue
        assert result["error"] is None, f"{where} raised:\n{result['error']}"
        if block["notebook"]:
            cell = next(cells)
            assert result["stdout"] == "".join(cell["streams"]), f"{where}: printed output"
            kinds = ["figure" if r["svg"] or r["img"] else "text" for r in cell["results"]]
            shows = [result["result"]] if result["result"] else []
            assert shows == kinds, f"{where}: what the last expression shows"
        else:
            assert result["stdout"] == (block["output"] or ""), f"{where}: printed output"


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_nothing_overflows_a_phone_screen(visit_of, page):
    phone = visit_of(page).phone
    assert phone["offenders"] == [], f"wider than the {phone['width']} px screen"
    assert phone["scrollWidth"] <= phone["width"]


@pytest.mark.parametrize("page", PAGES, ids=page_ids)
def test_axe_finds_no_serious_or_critical_issue(visit_of, page):
    findings = [v for v in visit_of(page).axe if v["impact"] in {"serious", "critical"}]
    assert findings == [], json.dumps(findings, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("page", [p for p in CONTENT_PAGES if p.lang == "zh"], ids=page_ids)
def test_language_switch_goes_to_the_same_page_and_back(walk, visit_of, page):
    zh = visit_of(page)
    en = visit_of(SitePage("en", page.path, page.kind, None))
    assert zh.switched_to == walk.base + "en/" + page.path
    assert en.url == zh.switched_to and en.probe["lang"] == "en"
    assert en.switched_to == walk.base + page.path


@pytest.mark.parametrize("page", [p for p in PAGES if p.kind == "notebook"], ids=page_ids)
def test_notebook_page_shows_rendered_cells_and_figures(visit_of, docs_page_parser, page):
    probe = visit_of(page).probe
    assert not probe["notebookJson"], "raw notebook JSON on the page"
    cells = probe["cells"]
    code_cells = len(source_python_blocks(docs_page_parser, page))
    assert len(cells) == code_cells and all(c["hasInput"] for c in cells), "code cells shown"
    figures = [r for c in cells for r in c["results"] if r["svg"] or r["img"]]
    assert figures, "no figure on the notebook page"
    assert all(f["width"] > 200 and f["height"] > 100 for f in figures), figures


# --- search ---------------------------------------------------------------------------------------

SEARCHES = [
    ("zh", "梯度裁剪", "algorithms/#clipping"),
    ("en", "gradient clipping", "en/algorithms/#clipping"),
    # The stability rule's section opens with the words readers search for ("learning rate").
    ("en", "learning rate", "en/algorithms/#stability-rule"),
    ("en", "stability rule", "en/algorithms/#stability-rule"),
    ("zh", "稳定性条件", "algorithms/#stability-rule"),
]


@pytest.mark.parametrize(("lang", "query", "expected"), SEARCHES)
def test_search_finds_the_expected_section(browser, site_url, lang, query, expected):
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(site_url + ("" if lang == "zh" else "en/"))
        box = page.locator(".md-search__input")
        box.click()
        box.fill(query)
        box.press("End")  # Material searches on key events; fill() alone types no key
        page.locator(".md-search-result__list > li").first.wait_for()
        groups = load_all_search_results(page)
    finally:
        context.close()
    pages_found = [links[0] for links in groups]
    where = [i for i, links in enumerate(groups, 1) if expected in links]
    assert where, f"{query!r}: {expected} not among the results (pages: {pages_found})"
    print(
        f"\nsearch {query!r}: {expected} in the result group of page {where[0]} of "
        f"{len(groups)} (pages in order: {', '.join(pages_found[:6])}, ...)"
    )


def load_all_search_results(page) -> list[list[str]]:
    """Scroll Material's result list until every matching page is rendered; links per page."""
    meta = page.locator(".md-search-result__meta").inner_text()
    total = int(re.search(r"\d+", meta).group(0))
    items = page.locator(".md-search-result__list > li.md-search-result__item")
    while (shown := items.count()) < total:
        # Material renders the next 4 groups when the list *reaches* its end (a change of state):
        # scroll back up first, so that a second batch is asked for too (more than 14 groups).
        page.eval_on_selector(
            ".md-search__scrollwrap",
            """e => new Promise(done => {
              e.scrollTop = 0;
              requestAnimationFrame(() => requestAnimationFrame(() => {
                e.scrollTop = e.scrollHeight;
                done();
              }));
            })""",
        )
        page.wait_for_function(
            "n => document.querySelectorAll('.md-search-result__item').length > n", arg=shown
        )
    return page.eval_on_selector_all(
        ".md-search-result__item",
        """items => items.map(li => [...li.querySelectorAll('a.md-search-result__link')].map(a => {
          const url = new URL(a.href);
          return url.pathname.replace(/^\\//, '') + url.hash;
        }))""",
    )
