"""MkDocs hook: make mkdocs-jupyter's notebook pages obey the site's rules.

mkdocs-jupyter 0.26.3 (nbconvert 7.17) puts into every notebook page ~575 KB of inline CSS, a
Mermaid `<script>` from a public CDN, a MathJax 2 configuration, its own copy-button script with a
hidden second copy of every cell's source, "In [1]:" prompts and the English alt text "No
description has been provided for this image" on every figure. On each notebook page, before the
search index reads it (`on_page_content`), this hook

- removes every `<style>` and `<script>` of the notebook HTML (docs/overrides/assets/css/
  notebook.css, ~2 KB, styles the cells instead);
- turns code cells into the same markup as fenced code blocks (`div.language-python.highlight >
  pre > code`): Material's highlighting and copy button, no duplicate source text;
- gives headings the explicit ids written as `## Title { #anchor }` (the same convention as the
  Markdown pages; the hook warns, so a strict build fails, on a heading without one) and rebuilds
  the page's title and table of contents from them;
- wraps `$...$` / `$$...$$` of markdown cells like pymdownx.arithmatex does, so that
  gdguide_katex.py renders them like every other page's math;
- writes each inline (base64) figure to a file next to the page, with the page language's alt
  text, its size and lazy loading;
- adds a download link to the `.ipynb` (copied next to the page by `include_source: true`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import re
from pathlib import Path

from gdguide_site.figure_markup import linked_image
from gdguide_site.links import link_in_head
from gdguide_site.options import site_options
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

log = logging.getLogger("mkdocs.hooks.gdguide_notebooks")

STRIP = re.compile(
    r"<style\b[^>]*>.*?</style>|<script\b[^>]*>.*?</script>|<!--.*?-->\n?", re.DOTALL
)
COPY_WIDGET = re.compile(
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>'
    r'|<div [^>]*class="clipboard-copy-txt"[^>]*>.*?</div>',
    re.DOTALL,
)
HEADING = re.compile(
    r'<h(?P<level>[1-6]) id="[^"]*">(?P<text>.*?)'
    r'<a class="anchor-link" href="[^"]*">\S*</a></h(?P=level)>',
    re.DOTALL,
)
ANCHOR = re.compile(r"\s*\{\s*#(?P<id>[A-Za-z0-9_-]+)\s*\}\s*$")
CODE = re.compile(
    r'<div class="highlight-ipynb hl-(?P<lang>[\w-]+)[^"]*">'
    r"<pre>(?:<span></span>)?(?P<code>.*?)</pre></div>",
    re.DOTALL,
)
MARKDOWN_CELL = re.compile(
    r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)'
    r"(.*?)(</div>\s*</div>\s*</div>)",
    re.DOTALL,
)
DISPLAY_MATH = re.compile(r"(?:<p>\s*)?\$\$(.+?)\$\$(?:\s*</p>)?", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<![\\\s])\$")
# The kernel flushes stdout in chunks cut at arbitrary points, and nbconvert renders each chunk as
# its own output box; a chunk starting with a newline then loses it (HTML drops a newline right
# after <pre>). The seam between two plain-text outputs of one cell is removed: one box, exact text.
TEXT_OUTPUT = (
    r'<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain"[^>]*>\s*<pre>'
)
TEXT_OUTPUT_SEAM = re.compile(
    r"</pre>\s*</div>\s*</div>\s*<div class=\"jp-OutputArea-child\">\s*" + TEXT_OUTPUT
)
TEXT_OUTPUT_LEADING_NEWLINE = re.compile(f"({TEXT_OUTPUT})\n")
CELL_ID = re.compile(r'\bid="cell-id=([A-Za-z0-9_-]+)"')
IMAGE = re.compile(
    r'<img\b[^>]*?\ssrc="data:image/(?P<kind>png|jpeg|gif|svg\+xml);base64,(?P<data>[^"]+)"[^>]*>'
)


def is_notebook(page: Page) -> bool:
    """Whether the page is a notebook rendered by mkdocs-jupyter."""
    return page.file.src_uri.endswith(".ipynb")


def wrap_math(cell_html: str) -> str:
    """Mark `$$...$$` and `$...$` outside code in a rendered markdown cell as arithmatex math."""
    pieces = re.split(r"(<code\b.*?</code>|<pre\b.*?</pre>)", cell_html, flags=re.DOTALL)
    for i in range(0, len(pieces), 2):  # even pieces are outside code
        text = DISPLAY_MATH.sub(lambda m: f'<div class="arithmatex">\\[{m[1]}\\]</div>', pieces[i])
        pieces[i] = INLINE_MATH.sub(lambda m: f'<span class="arithmatex">\\({m[1]}\\)</span>', text)
    return "".join(pieces)


def anchor_headings(content: str, page: Page) -> str:
    """Give notebook headings their explicit `{ #anchor }` ids, as on Markdown pages.

    The page's title (first h1) and table of contents are set from them.
    """
    tokens: list[dict] = []

    def replace(match: re.Match) -> str:
        level, text = int(match["level"]), match["text"].strip()
        anchor = ANCHOR.search(text)
        if anchor is None:
            log.warning("%s: notebook heading %r has no { #anchor }", page.file.src_uri, text)
            return match.group(0)
        text = text[: anchor.start()]
        tokens.append(
            {"level": level, "id": anchor["id"], "name": text, "html": text, "children": []}
        )
        return (
            f'<h{level} id="{anchor["id"]}">{text}<a class="headerlink" href="#{anchor["id"]}" '
            f'title="Permanent link">&para;</a></h{level}>'
        )

    content = HEADING.sub(replace, content)
    roots: list[dict] = []
    stack: list[dict] = []
    for token in tokens:
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(token)
        stack.append(token)
    page.toc = get_toc(roots)
    h1 = next((t for t in tokens if t["level"] == 1), None)
    if h1 is not None:
        page.title = re.sub(r"<[^>]+>", "", h1["name"])
    return content


def extract_images(content: str, page: Page, alt: str) -> str:
    """Write base64 figures to files next to the page's HTML; point `<img>` at them, linked."""
    out_dir = Path(page.file.abs_dest_path).parent
    stem = Path(page.file.src_uri).stem

    def replace(match: re.Match) -> str:
        data = base64.b64decode(match["data"])
        extension = match["kind"].removesuffix("+xml")  # image/svg+xml -> .svg
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}.{extension}"
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_bytes(data)
        return linked_image(name, html.escape(alt), data)

    return IMAGE.sub(replace, content)


def on_page_content(content: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Clean a notebook page's HTML before the search index and the template see it."""
    if not is_notebook(page):
        return content
    options = site_options(config)
    content = STRIP.sub("", content)
    content = COPY_WIDGET.sub("", content)
    # nbconvert's cell ids ("cell-id=setup") are not valid in a CSS selector: Material's copy
    # button (data-clipboard-target="#__code_cell-id=setup > code") threw instead of copying.
    content = CELL_ID.sub(r'id="cell-\1"', content)
    content = TEXT_OUTPUT_SEAM.sub("", content)
    content = TEXT_OUTPUT_LEADING_NEWLINE.sub("\\1\n\n", content)
    content = CODE.sub(
        lambda m: (
            f'<div class="language-{m["lang"]} highlight">'
            f"<pre><span></span><code>{m['code']}</code></pre></div>"
        ),
        content,
    )
    content = MARKDOWN_CELL.sub(lambda m: m[1] + wrap_math(m[2]) + m[3], content)
    content = anchor_headings(content, page)
    content = extract_images(content, page, options.figure_alt)
    source = Path(page.file.src_uri).name
    download = (
        f'<p class="gdguide-notebook-download"><a href="{source}" download>'
        f"{html.escape(options.notebook_download)}</a></p>"
    )
    return download + content


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Link the small notebook stylesheet from notebook pages only."""
    if not is_notebook(page):
        return output
    return link_in_head(output, page, config, "assets/css/notebook.css")
