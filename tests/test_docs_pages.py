"""The docs pages: the fence and page conventions, zh/en sync (the page parser itself, configured in
the root conftest, is tested in tests/test_page_parser.py).

Conventions checked here (docs/zh and docs/en; what a block and its output block promise is in
conftest.py):

- fences are tagged with one plain word from ALLOWED_FENCES; Python is exactly ```` ```python ````
  (```` ```py ````, ```` ```pycon ````, ```` ```python title="x" ````, ```` ``` python ````,
  ```` ```{.python} ```` ... would silently escape sybil); no sybil directives in HTML comments;
  no `>>>` sessions on pages (they belong to docstrings);
- every heading (pages and notebook markdown cells) ends with an explicit ASCII `{ #anchor }`;
- code imports numpy as `import numpy as np` and gdguide names as `from gdguide import ...`;
- a not-run admonition's title starts with "not run here: needs" (en) / "此处不运行：需要" (zh);
- zh and en: same page files, same anchors in order, same display formulas in order and the same
  inline formulas in each section (any order inside it), same code except `#`
  comments and the figure helpers' `lang="zh"` / `lang="en"`, identical output blocks, same
  not-run blocks; same notebook code cells (same rule), anchors and formulas; same nav.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import pytest
import yaml
from gdguide_site.page_parser import FENCES, PageParser, PythonBlock
from sybil import Document

from tests import launch

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LANGS = ("zh", "en")
ALLOWED_FENCES = {"python", "output", "text", "console", "bash", "toml", "yaml", "json", "bibtex"}
NOT_RUN_PREFIX = {"zh": "此处不运行：需要", "en": "not run here: needs"}
SYBIL_DIRECTIVE = re.compile(
    r"<!--+\s*(?:skip|invisible-code|code-block|clear-namespace|sybil)", re.I
)
HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t]*$", re.MULTILINE)
ANCHOR = re.compile(r"\{\s*#(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\s*\}$")
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<![\\\s])\$")
LANG_ARGUMENT = r"""\blang\s*=\s*(["']){lang}\1"""


def tree_files(lang: str) -> list[str]:
    root = DOCS / lang
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.suffix in {".md", ".ipynb"} and ".ipynb_checkpoints" not in p.parts
    )


def md_pages() -> list[Path]:
    return sorted(p for lang in LANGS for p in (DOCS / lang).rglob("*.md"))


def notebooks() -> list[Path]:
    return sorted(
        p
        for lang in LANGS
        for p in (DOCS / lang).rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


def page_pairs(suffix: str) -> list[str]:
    return [
        name for name in tree_files("zh") if name.endswith(suffix) and (DOCS / "en" / name).exists()
    ]


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- reading pages -------------------------------------------------------------------------------


def fences(text: str, path: str = "page.md") -> list[tuple[str, str]]:
    """(info string, content) of every fenced block."""
    document = Document(text, path)
    return [(region.lexemes["info"], str(region.lexemes["source"])) for region in FENCES(document)]


def prose(text: str) -> str:
    """`text` without fenced blocks and inline code (where `#` and `$` are not headings or math)."""
    document = Document(text, "page.md")
    pieces, last = [], 0
    for region in FENCES(document):
        pieces.append(text[last : region.start])
        last = region.end
    pieces.append(text[last:])
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", "".join(pieces), flags=re.DOTALL)


def headings(markdown: str) -> list[tuple[str, str]]:
    """(level, text) of every ATX heading outside code."""
    return [(m["hashes"], m["text"]) for m in HEADING.finditer(prose(markdown))]


def anchors(markdown: str) -> list[str]:
    found = []
    for level, text in headings(markdown):
        match = ANCHOR.search(text)
        found.append(f"{level} {match['id'] if match else '<no anchor>'}")
    return found


def formulas(markdown: str) -> list[str]:
    """Display formulas in page order, then each section's inline formulas (sorted).

    Inline formulas are compared per section (between two headings) regardless of their order
    inside it: a natural Chinese sentence orders its parts differently from the English one.
    """
    text = prose(markdown)
    found = [f"$$ {' '.join(m.split())}" for m in DISPLAY_MATH.findall(text)]
    sections = re.split(r"^#{1,6}[ \t].*$", DISPLAY_MATH.sub(" ", text), flags=re.MULTILINE)
    for number, section in enumerate(sections):
        inline = sorted(" ".join(m.split()) for m in INLINE_MATH.findall(section))
        found += [f"section {number}: ${m}$" for m in inline]
    return found


def without_comments(code: str, lang: str) -> list[str]:
    """Code lines with `#` comments and blank lines dropped and `lang="<lang>"` made neutral."""
    code = re.sub(LANG_ARGUMENT.format(lang=lang), "lang=<page language>", code)
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(code).readline)
            if t.type != tokenize.COMMENT
        ]
        code = tokenize.untokenize(tokens)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return [line.rstrip() for line in code.splitlines() if line.strip()]


def python_blocks(parser: PageParser, path: Path) -> list[PythonBlock | launch.LaunchedScript]:
    """The page's python blocks, launched scripts (tests/launch.py) included."""
    return parser.python_blocks(path, kinds=(PythonBlock, launch.LaunchedScript))


def notebook_cells(path: Path, kind: str) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in data["cells"] if c["cell_type"] == kind]


# --- conventions on every page -------------------------------------------------------------------


def fence_problems(text: str) -> list[str]:
    """Fences and comments by which Python code would escape the page tests."""
    problems = [
        f"fence info {info!r}: use exactly ```python (or one of {sorted(ALLOWED_FENCES)})"
        for info, _ in fences(text)
        if info not in ALLOWED_FENCES
    ]
    problems += [
        f"sybil directive in a comment: {m.group(0)!r}" for m in SYBIL_DIRECTIVE.finditer(text)
    ]
    problems += [
        "a ```python block starts a >>> session (doctests belong to docstrings)"
        for info, source in fences(text)
        if info == "python" and source.lstrip().startswith(">>>")
    ]
    return problems


@pytest.mark.parametrize(
    "fence",
    [
        "```py",
        "```pycon",
        "```python3",
        "``` python",
        '```python title="clip.py"',
        "```{.python}",
        '```python linenums="1"',
        "~~~py",
        "```Python",
    ],
)
def test_fence_check_rejects_fences_sybil_would_skip(fence):
    text = f"Text.\n\n{fence}\nprint(1)\n```\n"
    if fence.startswith("~"):
        text = text.replace("\n```\n", "\n~~~\n")
    assert fence_problems(text)


@pytest.mark.parametrize(
    "comment",
    [
        "<!-- skip: next -->",
        "<!-- invisible-code-block: python\nx = 1\n-->",
        "<!--- clear-namespace -->",
    ],
)
def test_fence_check_rejects_hidden_or_skipping_comments(comment):
    assert fence_problems(f"{comment}\n\n```python\nx = 1\n```\n")


@pytest.mark.parametrize("path", md_pages(), ids=rel)
def test_no_code_fence_escapes_the_page_tests(path):
    assert fence_problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", md_pages(), ids=rel)
def test_every_python_fence_is_collected_by_the_page_parser(docs_page_parser, path):
    text = path.read_text(encoding="utf-8")
    written = len(re.findall(r"^[ \t]*```python[ \t]*$", text, re.MULTILINE))
    assert len(python_blocks(docs_page_parser, path)) == written


@pytest.mark.parametrize("path", md_pages() + notebooks(), ids=rel)
def test_every_heading_has_an_explicit_ascii_anchor(path):
    markdown = (
        path.read_text(encoding="utf-8")
        if path.suffix == ".md"
        else "\n\n".join(notebook_cells(path, "markdown"))
    )
    missing = [text for level, text in headings(markdown) if not ANCHOR.search(text)]
    assert missing == [], "write headings as `## Title { #ascii-anchor }`"
    ids = [a.split()[1] for a in anchors(markdown)]
    assert len(ids) == len(set(ids)), "anchors repeat within the page"


def page_code(parser: PageParser, path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join(notebook_cells(path, "code"))
    return "\n".join(block.source for block in python_blocks(parser, path))


@pytest.mark.parametrize("path", md_pages() + notebooks(), ids=rel)
def test_code_imports_numpy_as_np_and_gdguide_names_from_the_package(docs_page_parser, path):
    # the one public subpackage: the figures are not re-exported by `gdguide`
    public_modules = {"gdguide", "gdguide.plotting"}
    problems = []
    for node in ast.walk(ast.parse(page_code(docs_page_parser, path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "numpy" and alias.asname != "np":
                    problems.append("write `import numpy as np`")
                if alias.name.split(".")[0] == "gdguide":
                    problems.append(f"write `from gdguide import ...`, not `import {alias.name}`")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "numpy":
                problems.append(f"write `import numpy as np`, not `from {node.module} import`")
            if node.module.startswith("gdguide.") and node.module not in public_modules:
                problems.append(
                    f"import from `gdguide` (figures: `gdguide.plotting`), not `{node.module}`"
                )
    assert problems == []


@pytest.mark.parametrize("path", md_pages(), ids=rel)
def test_not_run_notes_say_what_is_needed(docs_page_parser, path):
    lang = path.relative_to(DOCS).parts[0]
    for block in python_blocks(docs_page_parser, path):
        if block.not_run is not None:
            assert block.not_run.startswith(NOT_RUN_PREFIX[lang]), block.not_run


# --- zh and en stay one site ---------------------------------------------------------------------


def test_both_languages_have_the_same_pages():
    assert tree_files("zh") == tree_files("en")


def test_both_configs_have_the_same_nav_files_in_the_same_order():
    def files(nav):
        for item in nav:
            if isinstance(item, str):
                yield item
            else:
                (value,) = item.values()
                yield from files(value) if isinstance(value, list) else [value]

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!ENV", lambda loader, node: None)
    navs = [
        yaml.load((ROOT / name).read_text(encoding="utf-8"), Loader)["nav"]
        for name in ("mkdocs.yml", "mkdocs.en.yml")
    ]
    assert list(files(navs[0])) == list(files(navs[1]))
    for lang in LANGS:  # every written page is in the nav
        assert set(tree_files(lang)) <= set(files(navs[0]))


@pytest.mark.parametrize("name", page_pairs(".md"))
def test_zh_and_en_pages_have_the_same_anchors(name):
    zh, en = ((DOCS / lang / name).read_text(encoding="utf-8") for lang in LANGS)
    assert anchors(zh) == anchors(en)


@pytest.mark.parametrize("name", page_pairs(".md"))
def test_zh_and_en_pages_have_the_same_formulas(name):
    zh, en = ((DOCS / lang / name).read_text(encoding="utf-8") for lang in LANGS)
    assert formulas(zh) == formulas(en)


@pytest.mark.parametrize("name", page_pairs(".md"))
def test_zh_and_en_pages_have_the_same_code_and_outputs(docs_page_parser, name):
    zh, en = (python_blocks(docs_page_parser, DOCS / lang / name) for lang in LANGS)
    assert [without_comments(b.source, "zh") for b in zh] == [
        without_comments(b.source, "en") for b in en
    ]
    assert [b.output for b in zh] == [b.output for b in en]
    assert [b.not_run is None for b in zh] == [b.not_run is None for b in en]
    assert [b.solution is None for b in zh] == [b.solution is None for b in en]
    # launched scripts: the same file name and launch command
    assert [getattr(b, "command", None) for b in zh] == [getattr(b, "command", None) for b in en]


@pytest.mark.parametrize("name", page_pairs(".ipynb"))
def test_zh_and_en_notebooks_have_the_same_code_cells(name):
    zh, en = (notebook_cells(DOCS / lang / name, "code") for lang in LANGS)
    assert [without_comments(c, "zh") for c in zh] == [without_comments(c, "en") for c in en]


@pytest.mark.parametrize("name", page_pairs(".ipynb"))
def test_zh_and_en_notebooks_have_the_same_anchors_and_formulas(name):
    zh, en = ("\n\n".join(notebook_cells(DOCS / lang / name, "markdown")) for lang in LANGS)
    assert anchors(zh) == anchors(en)
    assert formulas(zh) == formulas(en)


def test_comment_stripping_keeps_code_and_drops_comments():
    zh = 'x = "# not a comment"  # 注释\n# 整行注释\nplot(x, lang="zh")\n'
    en = 'x = "# not a comment"  # comment\nplot(x, lang="en")\n'
    assert without_comments(zh, "zh") == without_comments(en, "en")
    assert without_comments('plot(lang="en")', "zh") != without_comments('plot(lang="en")', "en")
