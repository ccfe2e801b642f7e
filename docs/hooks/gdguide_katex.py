r"""MkDocs hook: render all math to HTML at build time with KaTeX (no math JavaScript for readers).

`pymdownx.arithmatex` (generic mode) leaves `<span class="arithmatex">\(...\)</span>` and
`<div class="arithmatex">\[...\]</div>` in pages and in mkdocstrings' docstrings;
`gdguide_notebooks.py` wraps notebook math the same way. After each page is rendered (and after
the search index has taken its text, which keeps the TeX source), every formula of the page goes
to one long-lived `node gdguide_site/katex_render.mjs` process per build; KaTeX comes from the npm
lockfile (`npm ci`). A TeX error or a KaTeX strict-mode finding is a warning, so
`mkdocs build --strict` fails on it. Pages with math link `assets/katex/katex.min.css`; the CSS
(font-display: swap, woff2 fonts only) and its fonts are copied into the site after the build.

Each font file is subset to the characters this build's formulas draw with it
(`gdguide_site/katex_fonts.py` works out which file draws what from KaTeX's CSS; fontTools writes
the woff2, which needs `brotli`): a page with bold vectors and AMS symbols used to fetch 50 kB of
glyphs it never drew.
Hinting is dropped (browsers on phones and macOS ignore it). Subsets are cached in
`build/katex-fonts/` by content hash.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import gdguide_site
from gdguide_site.katex_fonts import FontMap
from gdguide_site.links import link_in_head
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.gdguide_katex")

ROOT = Path(__file__).resolve().parents[2]
KATEX_DIR = ROOT / "node_modules" / "katex"
RENDERER = Path(gdguide_site.__file__).with_name("katex_render.mjs")
CSS_PATH = "assets/katex/katex.min.css"
FONT_CACHE = ROOT / "build" / "katex-fonts"
# Characters KaTeX's CSS draws itself, in KaTeX_Main (equation numbers: `"(" counter(...) ")"`).
CSS_CHARACTERS = {"KaTeX_Main-Regular.woff2": set("()0123456789")}
MATH = re.compile(
    r'<span class="arithmatex">\\\((?P<inline>.*?)\\\)</span>'
    r'|<div class="arithmatex">\\\[(?P<display>.*?)\\\]</div>',
    re.DOTALL,
)


class KatexRenderer:
    """A `node` process that renders batches of formulas (one request line per page)."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None or not (KATEX_DIR / "package.json").is_file():
            raise RuntimeError(
                "KaTeX is rendered at build time: needs `node` on PATH and `npm ci` run in "
                f"{ROOT} (scripts/setup.sh does it)"
            )
        self.process = subprocess.Popen(
            [node, str(RENDERER), str(KATEX_DIR)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def render(self, items: list[dict]) -> list[dict]:
        """Render `[{"tex": ..., "display": bool}, ...]`; one result dict per item."""
        self.process.stdin.write(json.dumps({"items": items}, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError("the KaTeX renderer (node) stopped")
        return json.loads(answer)["results"]

    def close(self) -> None:
        """Let node finish (end of input) and wait for it."""
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=10)


_renderer: KatexRenderer | None = None
_font_map: FontMap | None = None
# {woff2 file: characters this build's formulas draw with it}: the subsets keep exactly these.
_drawn: dict[str, set[str]] = {}
_seen: set[str] = set()  # rendered formulas already counted


def render_math(page_html: str, where: str) -> tuple[str, int]:
    """Replace every arithmatex formula in `page_html` by KaTeX's HTML; return it and the count."""
    global _renderer
    found = list(MATH.finditer(page_html))
    if not found:
        return page_html, 0
    if _renderer is None:
        _renderer = KatexRenderer()
    items = [
        {
            "tex": html.unescape(m["inline"] if m["inline"] is not None else m["display"]),
            "display": m["display"] is not None,
        }
        for m in found
    ]
    results = _renderer.render(items)
    pieces, last = [], 0
    for match, item, result in zip(found, items, results, strict=True):
        pieces.append(page_html[last : match.start()])
        last = match.end()
        if "error" in result:
            log.warning("%s: KaTeX cannot render %r: %s", where, item["tex"], result["error"])
            pieces.append(match.group(0))
            continue
        for warning in result.get("warnings", []):
            log.warning("%s: KaTeX (strict) in %r: %s", where, item["tex"], warning)
        rendered = result["html"]
        count_characters(rendered)
        # tabindex: a display formula wider than the screen scrolls, and keyboard users must be
        # able to scroll it too (axe-core's scrollable-region-focusable).
        display = f'<div class="arithmatex" tabindex="0">{rendered}</div>'
        pieces.append(display if item["display"] else rendered)
    pieces.append(page_html[last:])
    return "".join(pieces), len(found)


def count_characters(rendered: str) -> None:
    """Add the characters of one rendered formula to the font file that draws each."""
    global _font_map
    if rendered in _seen:
        return
    _seen.add(rendered)
    if _font_map is None:
        _font_map = FontMap(katex_css())
    for font, characters in _font_map.characters(rendered).items():
        _drawn.setdefault(font, set()).update(characters)


def on_pre_build(config: MkDocsConfig) -> None:
    """Start each build (and each `mkdocs serve` rebuild) with no characters counted."""
    _drawn.clear()
    _seen.clear()


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Render the page's math; link KaTeX's CSS from pages that have math."""
    output, count = render_math(output, page.file.src_uri)
    if count:
        output = link_in_head(output, page, config, CSS_PATH)
    return output


def katex_css() -> str:
    """KaTeX's CSS with `font-display: swap`, reduced to the woff2 fonts every browser reads."""
    css = (KATEX_DIR / "dist" / "katex-swap.min.css").read_text(encoding="utf-8")
    return re.sub(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)', "", css)


def subset_font(source: Path, target: Path, characters: set[str]) -> None:
    """Write `source` (a woff2 font) to `target` keeping only the glyphs of `characters`."""
    from fontTools import subset, version

    codepoints = sorted(ord(c) for c in characters)
    key = hashlib.sha256(
        source.read_bytes() + json.dumps([version, codepoints]).encode()
    ).hexdigest()[:20]
    cached = FONT_CACHE / f"{source.stem}-{key}.woff2"
    if not cached.is_file():
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]  # keep kerning and ligatures between kept glyphs
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codepoints)
        subsetter.subset(font)
        FONT_CACHE.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        subset.save_font(font, str(partial), options)
        partial.replace(cached)  # atomic: the zh and en builds run at the same time
    shutil.copyfile(cached, target)


def on_post_build(config: MkDocsConfig) -> None:
    """Stop node; copy KaTeX's CSS and its woff2 fonts, subset to this build's formulas."""
    global _renderer
    if _renderer is not None:
        _renderer.close()
        _renderer = None
    target = Path(config.site_dir) / "assets" / "katex"
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    (target / "katex.min.css").write_text(katex_css(), encoding="utf-8")
    for font in sorted((KATEX_DIR / "dist" / "fonts").glob("*.woff2")):
        characters = _drawn.get(font.name, set()) | CSS_CHARACTERS.get(font.name, set())
        subset_font(font, target / "fonts" / font.name, characters)


def on_build_error(error: Exception) -> None:
    """Do not leave node running after a failed build."""
    global _renderer
    if _renderer is not None:
        _renderer.process.kill()
        _renderer = None
