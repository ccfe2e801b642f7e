"""Test collection for the whole repository.

- Docstring examples (`>>>`) in `gdguide/*.py` run as doctests through sybil.
- Every page `docs/zh/**.md` and `docs/en/**.md` runs through `PageParser` (below): each
  ```` ```python ```` block, in order, in one namespace per page that starts as a fresh
  `python` script does (`__name__ == "__main__"`, nothing else: pages import and seed
  explicitly). What a block prints must equal the ```` ```output ```` block right after it.
- Hypothesis runs derandomized with no deadline, so property tests are deterministic and do not
  fail on a loaded 2-core CI machine.

Page conventions enforced here (tests/test_docs_pages.py checks the rest):

- A block that prints is followed (blank lines only in between) by an ```` ```output ```` fence
  holding exactly what it prints; a block that prints nothing has none; an output fence that does
  not follow a python block fails.
- Blocks inside content tabs (`=== "PyTorch"`, indented 4 spaces) count like any other block.
- A block importing torch, keras, jax or optax is reported as skipped ("needs torch (not
  installed)") only when that package is not installed; CI installs them.
- A block that cannot run here (GPUs, several processes) is preceded by a visible, title-only
  admonition `!!! not-run "not run here: needs ..."` (zh: `!!! not-run "此处不运行：需要 ..."`);
  it is reported as skipped with that title as the reason, and it may not show an output block.
- A launched script (recipes that need several processes, or a fresh interpreter as JAX with
  `XLA_FLAGS`) is three fences in a row: a ```` ```python ```` block whose first line is
  `# file: name.py`, a ```` ```bash ```` block with the one command that launches it (`torchrun
  --standalone --nproc-per-node 2 name.py`, `python name.py`), and the ```` ```output ```` block
  of what that command prints on stdout. The test writes the file into a temporary directory, runs
  exactly that command there on this machine only (loopback, free port, timeout; every process it
  started is killed afterwards) and compares stdout. Such scripts do not run in the page's
  namespace, so they are exempt from the run-in-order rule; one identical in both languages up to
  `#` comments runs once per session. Details: tests/launch.py.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import io
import re
import sys
from dataclasses import dataclass
from doctest import ELLIPSIS, NORMALIZE_WHITESPACE
from pathlib import Path

import pytest
from hypothesis import settings
from sybil import Region, Sybil
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer
from sybil.parsers.rest import DocTestParser
from sybil.sybil import SybilCollection

settings.register_profile(
    "gdguide", derandomize=True, database=None, deadline=None, print_blob=True
)
settings.load_profile("gdguide")

ROOT = Path(__file__).resolve().parent
FRAMEWORKS = ("torch", "keras", "jax", "optax")
NOT_RUN = re.compile(r'^[ \t]*!!! not-run "(?P<reason>[^"\n]+)"[ \t]*$')

#: Every fenced block of a page with its whole info string (```` ```python title="x" ```` too).
FENCES = RawFencedCodeBlockLexer(
    info_pattern=re.compile(r"(?P<info>[^\n]*)$\n", re.MULTILINE),
    mapping={"info": "info", "source": "source"},
)


@dataclass
class PythonBlock:
    source: str
    output: str | None  # the following ```output block, if any
    not_run: str | None  # the title of a preceding `!!! not-run "..."` admonition


@dataclass
class OrphanOutput:
    text: str


def not_run_reason(text: str, start: int) -> str | None:
    """The title of a `!!! not-run "..."` admonition on the last non-blank line before `start`."""
    before = text[:start].rstrip().rsplit("\n", 1)[-1]
    match = NOT_RUN.match(before)
    return match["reason"] if match else None


def frameworks_imported(source: str) -> list[str]:
    """Top-level framework packages that `source` imports."""
    return sorted(launch.top_level_imports(source).intersection(FRAMEWORKS))


def evaluate_python(example) -> str | None:
    block: PythonBlock = example.parsed
    if block.not_run is not None:
        if block.output is not None:
            return "a not-run block cannot show an output block (nothing would check it)"
        raise pytest.skip.Exception(block.not_run, _use_item_location=True)  # report the page line
    missing = [
        name for name in frameworks_imported(block.source) if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise pytest.skip.Exception(
            f"needs {', '.join(missing)} (not installed)", _use_item_location=True
        )
    code = compile("\n" * example.line + block.source, example.path, "exec")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, example.namespace)
    printed = printed.getvalue()
    if block.output is None:
        if printed:
            return f"the block prints, but no ```output block follows it. It printed:\n{printed}"
        return None
    if not block.output.strip():
        return "empty ```output block (a block that prints nothing has no output block)"
    if printed != block.output:
        diff = difflib.unified_diff(
            block.output.splitlines(keepends=True),
            printed.splitlines(keepends=True),
            "output block on the page",
            "printed by the code",
        )
        return "printed output differs from the output block:\n" + "".join(diff)
    return None


def load_launch_module():
    """tests/launch.py: launched scripts (`# file: x.py` + ```bash command + ```output)."""
    spec = importlib.util.spec_from_file_location("gdguide_launch", ROOT / "tests" / "launch.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


launch = load_launch_module()


def evaluate_orphan_output(example) -> str:
    return "an ```output block must directly follow the ```python block whose output it shows"


class PageParser:
    """Sybil parser for docs pages: python blocks, their output blocks, not-run admonitions."""

    def __call__(self, document):
        fences = list(FENCES(document))
        consumed = set()
        for i, fence in enumerate(fences):
            info = fence.lexemes["info"]
            launched = None if i in consumed else launch.launched_script(document, fences, i)
            if launched is not None:  # a script launched in its own processes (tests/launch.py)
                region, used = launched
                consumed.update(range(i + 1, i + used))
                yield region
            elif info == "python":
                after = fences[i + 1] if i + 1 < len(fences) else None
                output = None
                if (
                    after is not None
                    and after.lexemes["info"] == "output"
                    and not document.text[fence.end : after.start].strip()
                ):
                    output = after
                    consumed.add(i + 1)
                block = PythonBlock(
                    source=str(fence.lexemes["source"]),
                    output=None if output is None else str(output.lexemes["source"]),
                    not_run=not_run_reason(document.text, fence.start),
                )
                end = fence.end if output is None else output.end
                yield Region(fence.start, end, block, evaluate_python)
            elif info == "output" and i not in consumed:
                yield Region(
                    fence.start,
                    fence.end,
                    OrphanOutput(str(fence.lexemes["source"])),
                    evaluate_orphan_output,
                )


def fresh_script_namespace(namespace: dict) -> None:
    """What a fresh `python page.py` has: `__name__`, nothing else."""
    namespace["__name__"] = "__main__"


_docstrings = Sybil(
    parsers=[DocTestParser(optionflags=ELLIPSIS | NORMALIZE_WHITESPACE)],
    patterns=["gdguide/*.py"],
    excludes=["gdguide/_*.py"],
)

#: The docs pages in both languages (tests/test_docs_pages.py parses pages with it too).
pages = Sybil(
    parsers=[PageParser()],
    path="docs",
    patterns=["*.md"],
    setup=fresh_script_namespace,
    name="docs-pages",
)

#: The README's usage example is a page too: what a visitor copies first must run.
readme = Sybil(
    parsers=[PageParser()],
    path=".",
    patterns=["README.md"],
    setup=fresh_script_namespace,
    name="readme",
)

pytest_collect_file = SybilCollection([_docstrings, pages, readme]).pytest()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """Both languages, built once per test session by scripts/build_site.py (strict)."""
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
    build_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_site)
    site = tmp_path_factory.mktemp("built") / "site"
    build_site.build(site)
    return site
