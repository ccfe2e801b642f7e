"""Code lines of the docs fit the width of a code block on the site.

On desktop a code block shows exactly 80 monospace columns (measured in Chromium at 1280 and
1920 px wide); a longer line makes the reader scroll sideways to see its end. Every line of every
```` ```python ```` block of the pages in docs/zh and docs/en, and of every code cell of their
notebooks, is therefore at most 79 columns wide. An East Asian wide or fullwidth character (the
Chinese of zh comments) takes two columns in the monospace font and counts as 2.

Output blocks (```` ```output ````) are not checked: they show exactly what the code prints, and a
printed line longer than the block may scroll.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LANGS = ("zh", "en")
MAX_COLUMNS = 79
#: A fence line: optional indentation (blocks inside content tabs), three backticks, info string.
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^`]*)$")


def columns(line: str) -> int:
    """Monospace columns of `line`: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in line)


def python_block_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line without the fence's indentation) of every ```python block line."""
    found, inside, indent = [], None, ""
    for number, line in enumerate(text.splitlines(), start=1):
        fence = FENCE.match(line)
        if inside is None:
            if fence:
                inside, indent = fence["info"].strip(), fence["indent"]
        elif fence and not fence["info"].strip():
            inside = None
        elif inside == "python":
            found.append((number, line[len(indent) :] if line.startswith(indent) else line))
    return found


def notebook_code_lines(path: Path) -> list[tuple[str, str]]:
    """(cell and line, line) of every line of every code cell of the notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    return [
        (f"code cell {index + 1}, line {number}", line)
        for index, cell in enumerate(code)
        for number, line in enumerate("".join(cell["source"]).splitlines(), start=1)
    ]


def files(suffix: str) -> list[Path]:
    return sorted(
        path
        for lang in LANGS
        for path in (DOCS / lang).rglob(f"*{suffix}")
        if ".ipynb_checkpoints" not in path.parts
    )


def too_wide(lines) -> list[str]:
    return [
        f"{where}: {columns(line)} columns: {line}"
        for where, line in lines
        if columns(line) > MAX_COLUMNS
    ]


@pytest.mark.parametrize("path", files(".md"), ids=lambda p: str(p.relative_to(DOCS)))
def test_python_blocks_of_pages_fit_a_desktop_code_block(path):
    lines = python_block_lines(path.read_text(encoding="utf-8"))
    assert too_wide((f"line {n}", line) for n, line in lines) == []


@pytest.mark.parametrize("path", files(".ipynb"), ids=lambda p: str(p.relative_to(DOCS)))
def test_notebook_code_cells_fit_a_desktop_code_block(path):
    assert too_wide(notebook_code_lines(path)) == []


def test_pages_have_python_blocks_to_check():
    """The fence parsing finds the blocks (a broken regex would make the tests above vacuous)."""
    assert sum(len(python_block_lines(p.read_text(encoding="utf-8"))) for p in files(".md")) > 1000


def test_column_count_and_fence_parsing():
    assert columns("abc") == 3
    assert columns("# 中文，注释") == 2 + 2 * 5
    page = (
        "```python\nx = 1\n```\n\n```output\nnot code\n```\n\n"
        '=== "Tab"\n\n    ```python\n    y = 2\n    ```\n\n```text\nplain\n```\n'
    )
    assert python_block_lines(page) == [(2, "x = 1"), (12, "y = 2")]
