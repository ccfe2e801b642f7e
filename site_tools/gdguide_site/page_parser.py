r"""A sybil parser for Markdown pages whose code blocks show what they print.

The convention: a ```` ```python ```` block is followed (blank lines only in between) by an
```` ```output ```` block holding exactly what it prints. `PageParser` turns a page into sybil
examples that check it:

- Each python block runs, in page order, in the page's namespace (sybil's `Document.namespace`:
  what `setup` of the `Sybil` makes of it, e.g. `fresh_script_namespace`), so a reader who copies
  the page's visible blocks in order into a fresh Python gets the outputs shown.
- What a block prints must equal its output block; a block that prints has one, a block that
  prints nothing has none; an output block that does not follow a python block fails.
- Blocks indented inside content tabs (`=== "PyTorch"`) or admonitions count like any other.
- A block that imports one of `optional_imports` (top-level package names) is reported as skipped,
  "needs torch (not installed)", only when that package is not installed; the later blocks of
  its namespace are skipped too (they may use its names). When `require_optional_imports()` is
  true (e.g. in CI, which installs them), both fail instead.
- A block right after a title-only admonition of the type `not_run` (`!!! not-run "needs 2 GPUs"`)
  is skipped with that title as the reason; it may not show an output block (nothing checks it).
- **Other block forms.** Each of `block_forms` is tried first at every fence:
  `form(document, fences, i)` returns `(region, used)` for a form that opens at `fences[i]` and
  spans `used` fences (e.g. a script, its launch command and its output), or None. The fences it
  used are not parsed again.
- **Exercise solutions.** A collapsible details block (`??? success "Solution"`, its content
  indented 4 spaces; any type, `???+` too) whose title is exactly one of `solution_titles` holds
  a solution. Its python blocks run in order in the solution's *own* namespace (prepared like the
  page's by `setup`), not in the page's: a reader copying the page's blocks skips the solutions,
  and each solution runs on its own. Their output blocks are checked like any other.

Use it from a `conftest.py`:

    from sybil import Sybil
    from gdguide_site.page_parser import PageParser, fresh_script_namespace

    pages = Sybil(
        parsers=[PageParser(optional_imports=("torch",), solution_titles=("Solution",))],
        path="docs",
        patterns=["*.md"],
        setup=fresh_script_namespace,
    )
    pytest_collect_file = pages.pytest()

Each example's `parsed` is a `PythonBlock` (or an `OrphanOutput`): what other tests read of a page.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import importlib.util
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pytest
from sybil import Document, Example, Region
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

#: Every fenced block of a page with its whole info string (```` ```python title="x" ```` too).
FENCES = RawFencedCodeBlockLexer(
    info_pattern=re.compile(r"(?P<info>[^\n]*)$\n", re.MULTILINE),
    mapping={"info": "info", "source": "source"},
)
#: The first line of a collapsible details block (pymdownx.details): `??? type "Title"`.
DETAILS = re.compile(
    r'^(?P<indent>[ \t]*)\?\?\?\+?[ \t]+[\w-]+(?:[ \t]+[\w-]+)*[ \t]+"(?P<title>[^"\n]*)"[ \t]*$',
    re.MULTILINE,
)


def fresh_script_namespace(namespace: dict) -> None:
    """What a fresh `python page.py` has: `__name__`, nothing else."""
    namespace["__name__"] = "__main__"


#: Another form of example: `form(document, fences, i)` -> `(region, fences used)` or None.
BlockForm = Callable[[Document, list, int], "tuple[Region, int] | None"]


@dataclass
class Solution:
    """An exercise solution: a details block whose python blocks share their own namespace."""

    title: str
    start: int  # offset of its `???` line in the page
    end: int  # offset just after its last indented line
    namespace: dict = field(default_factory=dict)


@dataclass
class PythonBlock:
    """A python block of a page, with what the page says about it."""

    source: str
    output: str | None  # the following ```output block, if any
    not_run: str | None  # the title of a preceding `!!! not-run "..."` admonition
    solution: Solution | None = None  # the exercise solution holding it, if any


@dataclass
class OrphanOutput:
    """An output block that does not follow a python block."""

    text: str


def frameworks_imported(source: str, names: Sequence[str]) -> list[str]:
    """The top-level packages among `names` that `source` imports (sorted)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return sorted(found.intersection(names))


def solutions_of(text: str, titles: Sequence[str]) -> list[Solution]:
    """The details blocks of `text` whose title is exactly one of `titles`, in page order."""
    found = []
    for match in DETAILS.finditer(text):
        if match["title"] not in titles:
            continue
        inner = len(match["indent"].expandtabs(4)) + 4
        end = match.end()
        for line in re.finditer(r"\n(?P<line>[^\n]*)", text[match.end() :]):
            content = line["line"]
            if content.strip() and len(content) - len(content.lstrip()) < inner:
                break
            if content.strip():
                end = match.end() + line.end()
        found.append(Solution(match["title"], match.start(), end))
    return found


def evaluate_orphan_output(example: Example) -> str:
    return "an ```output block must directly follow the ```python block whose output it shows"


class PageParser:
    """Sybil parser for docs pages: python blocks, their output blocks, not-run blocks, solutions.

    Parameters
    ----------
    optional_imports : sequence of str
        Top-level packages a block may need that may be missing (its example is then skipped).
    not_run : str
        The admonition type that marks the next block as not run here (`!!! not-run "why"`).
    solution_titles : sequence of str
        Titles of the details blocks that hold exercise solutions (e.g. `("Solution",)`).
    setup : callable
        Prepares each solution's namespace, as sybil's `setup` prepares the page's.
    require_optional_imports : callable
        Called per block; when it returns true a missing optional import is an error, not a skip.
    block_forms : sequence of callables
        Other forms of examples, tried first at each fence (see the module docstring).
    """

    #: Namespace key set when a block was skipped for a missing package: the later blocks of that
    #: namespace are skipped too, instead of failing with NameError.
    SKIPPED = "__page_parser_skipped_block__"

    def __init__(
        self,
        optional_imports: Sequence[str] = (),
        not_run: str = "not-run",
        solution_titles: Sequence[str] = (),
        setup: Callable[[dict], None] = fresh_script_namespace,
        require_optional_imports: Callable[[], bool] = lambda: False,
        block_forms: Sequence[BlockForm] = (),
    ):
        self.optional_imports = tuple(optional_imports)
        self.not_run = re.compile(rf'^[ \t]*!!! {re.escape(not_run)} "(?P<reason>[^"\n]+)"[ \t]*$')
        self.solution_titles = tuple(solution_titles)
        self.setup = setup
        self.require_optional_imports = require_optional_imports
        self.block_forms = tuple(block_forms)

    def not_run_reason(self, text: str, start: int) -> str | None:
        """The title of a not-run admonition on the last non-blank line before `start`."""
        before = text[:start].rstrip().rsplit("\n", 1)[-1]
        match = self.not_run.match(before)
        return match["reason"] if match else None

    def __call__(self, document: Document) -> Iterator[Region]:
        fences = list(FENCES(document))
        solutions = solutions_of(document.text, self.solution_titles)
        for solution in solutions:
            self.setup(solution.namespace)
        consumed = set()
        for i, fence in enumerate(fences):
            info = fence.lexemes["info"]
            other = None if i in consumed else self.other_form(document, fences, i)
            if other is not None:
                region, used = other
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
                    not_run=self.not_run_reason(document.text, fence.start),
                    solution=next((s for s in solutions if s.start < fence.start < s.end), None),
                )
                end = fence.end if output is None else output.end
                yield Region(fence.start, end, block, self.evaluate_python)
            elif info == "output" and i not in consumed:
                yield Region(
                    fence.start,
                    fence.end,
                    OrphanOutput(str(fence.lexemes["source"])),
                    evaluate_orphan_output,
                )

    def other_form(self, document: Document, fences: list, i: int) -> tuple[Region, int] | None:
        """The first of `block_forms` that opens at `fences[i]`: its region and fences used."""
        for form in self.block_forms:
            found = form(document, fences, i)
            if found is not None:
                return found
        return None

    def evaluate_python(self, example: Example) -> str | None:
        block: PythonBlock = example.parsed
        if block.not_run is not None:
            if block.output is not None:
                return "a not-run block cannot show an output block (nothing would check it)"
            raise pytest.skip.Exception(block.not_run, _use_item_location=True)  # the page line
        namespace = example.namespace if block.solution is None else block.solution.namespace
        skipped_before = namespace.get(self.SKIPPED)
        if skipped_before is not None:  # later blocks may use what the skipped block defined
            if self.require_optional_imports():
                return f"an earlier block of this page could not run: {skipped_before}"
            raise pytest.skip.Exception(
                f"an earlier block of this page was skipped: {skipped_before}",
                _use_item_location=True,
            )
        missing = [
            name
            for name in frameworks_imported(block.source, self.optional_imports)
            if importlib.util.find_spec(name) is None
        ]
        if missing:
            reason = f"needs {', '.join(missing)} (not installed)"
            namespace[self.SKIPPED] = reason
            if self.require_optional_imports():
                return f"{reason}, and this run requires them"
            raise pytest.skip.Exception(reason, _use_item_location=True)
        code = compile("\n" * example.line + block.source, example.path, "exec")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
        printed = printed.getvalue()
        if block.output is None:
            if printed:
                return (
                    f"the block prints, but no ```output block follows it. It printed:\n{printed}"
                )
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

    def python_blocks(self, path: str, kinds: tuple[type, ...] = (PythonBlock,)) -> list:
        """The python blocks of the page at `path` (or other `kinds`), in page order (none run)."""
        with open(path, encoding="utf-8") as file:
            document = Document(file.read(), str(path))
        regions = self(document)
        return [region.parsed for region in regions if isinstance(region.parsed, kinds)]
