"""Test collection for the whole repository.

- Docstring examples (`>>>`) in `gdguide/*.py` run as doctests through sybil.
- Every page `docs/zh/**.md` and `docs/en/**.md` runs through the page parser
  (`gdguide_site/page_parser.py`, configured below): each ```` ```python ```` block, in order, in
  one namespace per page that starts as a fresh `python` script does (`__name__ == "__main__"`,
  nothing else: pages import and seed explicitly). What a block prints must equal the
  ```` ```output ```` block right after it.
- Hypothesis runs derandomized with no deadline, so property tests are deterministic and do not
  fail on a loaded 2-core CI machine.

Page conventions enforced by the parser (tests/test_docs_pages.py checks the rest; the parser's
own tests are tests/test_page_parser.py):

- A block that prints is followed (blank lines only in between) by an ```` ```output ```` fence
  holding exactly what it prints; a block that prints nothing has none; an output fence that does
  not follow a python block fails.
- Blocks inside content tabs (`=== "PyTorch"`, indented 4 spaces) count like any other block.
- A block importing torch, keras, jax or optax is reported as skipped ("needs torch (not
  installed)") only when that package is not installed, and so are the page's later blocks; with
  `CI=true` a missing framework fails instead (CI installs them).
- A block that cannot run here (GPUs, several processes) is preceded by a visible, title-only
  admonition `!!! not-run "not run here: needs ..."` (zh: `!!! not-run "此处不运行：需要 ..."`);
  it is reported as skipped with that title as the reason, and it may not show an output block.
- An exercise's solution is a details block titled exactly `解答` (zh) or `Solution` (en),
  `??? success "Solution"` with its content indented 4 spaces: its blocks run in order in their
  own fresh namespace, not in the page's.
- A launched script (recipes that need several processes, or a fresh interpreter as JAX with
  `XLA_FLAGS`) is three fences in a row: a ```` ```python ```` block whose first line is
  `# file: name.py`, a ```` ```bash ```` block with the one command that launches it (`torchrun
  --standalone --nproc-per-node 2 name.py`, `python name.py`), and the ```` ```output ```` block
  of what that command prints on stdout. The test writes the file into a temporary directory, runs
  exactly that command there on this machine only (loopback, free port, timeout; every process it
  started is killed afterwards) and compares stdout. Such scripts do not run in the page's
  namespace, so they are exempt from the run-in-order rule; one identical in both languages up to
  `#` comments runs once per session. Details: tests/launch.py (a block form of the parser).
"""

from __future__ import annotations

from doctest import ELLIPSIS, NORMALIZE_WHITESPACE

import pytest
from gdguide_site.build import build
from gdguide_site.page_parser import PageParser, fresh_script_namespace
from hypothesis import settings
from sybil import Sybil
from sybil.parsers.rest import DocTestParser
from sybil.sybil import SybilCollection

from tests import launch
from tests.framework_support import in_ci

settings.register_profile(
    "gdguide", derandomize=True, database=None, deadline=None, print_blob=True
)
settings.load_profile("gdguide")

#: Packages a page may import that a reader (or this machine) may not have installed.
FRAMEWORKS = ("torch", "keras", "jax", "optax")
#: The titles of exercise solutions (details blocks), one per language.
SOLUTION_TITLES = ("解答", "Solution")
page_parser = PageParser(
    optional_imports=FRAMEWORKS,
    not_run="not-run",
    solution_titles=SOLUTION_TITLES,
    setup=fresh_script_namespace,
    require_optional_imports=in_ci,
    block_forms=(launch.launched_script,),
)

_docstrings = Sybil(
    parsers=[DocTestParser(optionflags=ELLIPSIS | NORMALIZE_WHITESPACE)],
    patterns=["gdguide/*.py", "gdguide/plotting/*.py"],
    excludes=["gdguide/_*.py"],
)

#: The docs pages in both languages.
pages = Sybil(
    parsers=[page_parser],
    path="docs",
    patterns=["*.md"],
    setup=fresh_script_namespace,
    name="docs-pages",
)

#: The README's usage example is a page too: what a visitor copies first must run.
readme = Sybil(
    parsers=[page_parser],
    path=".",
    patterns=["README.md"],
    setup=fresh_script_namespace,
    name="readme",
)

pytest_collect_file = SybilCollection([_docstrings, pages, readme]).pytest()


@pytest.fixture(scope="session")
def docs_page_parser() -> PageParser:
    """The page parser with this project's conventions (for tests that read pages' blocks)."""
    return page_parser


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """Both languages, built once per test session by gdguide_site.build (strict)."""
    site = tmp_path_factory.mktemp("built") / "site"
    build(site)
    return site
