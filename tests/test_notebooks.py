"""Notebooks (docs/<lang>/notebooks/*.ipynb): stored clean, executed here with errors failing, and
rendered by mkdocs-jupyter into pages that obey the site's rules.

Choice: notebooks are stored *without* outputs and executed by mkdocs-jupyter at every build
(`execute: true`, `allow_errors: false`, its cache off), so a page can never show stale output or
figures. These tests execute them once more on their own with nbclient, so that a failing cell is
reported as a failing notebook test with its traceback rather than only as a failed site build.

What the cells print is held to a record, `tests/data/notebook_outputs.json` (written by
`scripts/record_notebook_outputs.py`), as a page's printed output is held to its ```output blocks:
the notebook itself stays clean and readers see the build's own output, while a change of any
printed line fails here, in both languages (zh and en share the code, so one record serves both).
Numbers that the prose quotes from the output are listed in `PROSE_NUMBERS` and checked against
both the record and the prose of each language.
"""

from __future__ import annotations

import asyncio
import gzip
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = sorted(p for p in DOCS.glob("*/notebooks/*.ipynb"))
ALLOWED_METADATA = {"kernelspec", "language_info"}
ENGLISH_PLACEHOLDER = "No description has been provided for this image"


_spec = importlib.util.spec_from_file_location(
    "record_notebook_outputs", ROOT / "scripts" / "record_notebook_outputs.py"
)
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)
RECORDED = json.loads(recorder.RECORD.read_text(encoding="utf-8"))

#: (notebook, number as the prose writes it in both languages, the printed text it comes from).
PROSE_NUMBERS = [
    ("exploding-vanishing", "8.8 \\times 10^{-7}", "sigmoid xavier   8.43e+00    8.83e-07"),
    ("exploding-vanishing", "8.0 \\times 10^{-6}", "sigmoid he       1.27e+01    8.03e-06"),
    ("exploding-vanishing", "0.74", "relu he          7.37e+01    7.44e-01"),
    ("exploding-vanishing", "10^{13}", "gradient norms 1.994e+02, 1.767e+13"),
    ("exploding-vanishing", "200", "gradient norms 1.994e+02"),
    ("exploding-vanishing", "8.5", "loss 8.459 -> 0.0109"),
    ("choosing-learning-rate", "0.0181818", "2/lambda = 0.0181818"),
    ("choosing-learning-rate", "0.018182", "plain GD:   alpha < 0.018182"),
    ("choosing-learning-rate", "$-11$", "0.0182        1.0020  -1.101018e+01 True"),
    ("choosing-learning-rate", "0.9718", "(kappa - 1)/(kappa + 1) = 0.9718"),
    ("choosing-learning-rate", "507", "plain   : 507 steps to 1e-6"),
    ("choosing-learning-rate", "81", "momentum: 81 steps to 1e-6"),
    ("choosing-learning-rate", "23", "scaled  : 23 steps to 1e-6"),
]


def rel(path: Path) -> str:
    return str(path.relative_to(DOCS))


def built_page_dir(site: Path, notebook: Path) -> Path:
    """The folder of the notebook's page in the built site."""
    lang = notebook.parts[-3]
    return (site if lang == "zh" else site / "en") / "notebooks" / notebook.stem


async def execute(path: Path, slots: asyncio.Semaphore) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    async with slots:
        await NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": str(path.parent)}},
        ).async_execute()
    return notebook


async def execute_all(paths: list[Path]) -> list:
    slots = asyncio.Semaphore(2)  # two kernels at a time: one per core
    return await asyncio.gather(*(execute(p, slots) for p in paths), return_exceptions=True)


@pytest.fixture(scope="module")
def executed() -> dict:
    """Every notebook executed once: the notebook, or the exception its execution raised."""
    return dict(zip(NOTEBOOKS, asyncio.run(execute_all(NOTEBOOKS)), strict=True))


def test_there_are_notebooks_in_both_languages():
    assert {p.parts[-3] for p in NOTEBOOKS} == {"zh", "en"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_notebook_is_stored_without_outputs_and_normalized(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))
    assert set(data["metadata"]) <= ALLOWED_METADATA
    assert data["metadata"]["kernelspec"]["name"] == "python3"
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, "clear outputs"
        assert set(cell["metadata"]) <= {"tags"}, "strip cell metadata"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_notebook_executes_without_errors(executed, path):
    notebook = executed[path]
    if isinstance(notebook, BaseException):
        raise notebook  # CellExecutionError carries the failing cell and its traceback
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], "a notebook cell wrote to stderr"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_notebook_prints_the_recorded_output(executed, path):
    notebook = executed[path]
    if isinstance(notebook, BaseException):
        raise notebook
    printed = recorder.printed_outputs(notebook)
    expected = RECORDED[path.stem]
    assert [n for n, _ in printed] == [n for n, _ in expected], "cells that print changed"
    for (number, text), (_, recorded) in zip(printed, expected, strict=True):
        assert text == recorded, f"code cell {number} printed:\n{text}\nrecorded:\n{recorded}"


def test_every_notebook_has_a_record():
    assert set(RECORDED) == {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize(("stem", "prose", "printed"), PROSE_NUMBERS)
def test_numbers_in_the_prose_are_printed_by_the_notebook(stem, prose, printed):
    assert any(printed in text for _, text in RECORDED[stem]), f"not printed: {printed!r}"
    for lang in ("zh", "en"):
        path = DOCS / lang / "notebooks" / f"{stem}.ipynb"
        markdown = "\n".join(
            "".join(c["source"])
            for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "markdown"
        )
        assert prose in markdown, f"{lang}: the prose no longer says {prose!r}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_notebook_page_is_rendered_self_contained_and_downloadable(built_site, path):
    page_dir = built_page_dir(built_site, path)
    html = (page_dir / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    assert "jp-Notebook" in article and '"cell_type"' not in article
    assert (page_dir / path.name).read_bytes() == path.read_bytes()
    assert f'href="{path.name}" download' in article
    assert "<style" not in article and "<script" not in article
    assert ENGLISH_PLACEHOLDER not in html
    assert "data:image" not in article  # figures are files next to the page
    # mkdocs-jupyter's inline CSS alone was ~575 KB (~70 KB gzipped); what remains is the cells and
    # their build-time KaTeX math, which compresses well. Static hosts send pages gzipped.
    assert len(gzip.compress(html.encode())) < 50_000


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_notebook_figures_have_alt_text_in_the_page_language(built_site, path):
    lang, page_dir = path.parts[-3], built_page_dir(built_site, path)
    html = (page_dir / "index.html").read_text(encoding="utf-8")
    notebook = nbformat.read(path, as_version=4)
    assert "plt.show()" not in "".join(c.source for c in notebook.cells) or "<img " in html
    for alt, src in re.findall(r'<img alt="([^"]*)" src="([^"]+)"', html):
        assert alt and (page_dir / src).is_file()
        assert bool(re.search(r"[\u4e00-\u9fff]", alt)) == (lang == "zh"), alt
