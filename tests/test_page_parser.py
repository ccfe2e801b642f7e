"""The page parser (gdguide_site/page_parser.py) on small pages written here.

Configured as a project would configure it (the root conftest does the same for docs/): `torch`
and `optax` optional, `!!! not-run "..."` admonitions, solutions titled `Solution` or `解答`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from gdguide_site.page_parser import PageParser, frameworks_imported, fresh_script_namespace
from sybil import Sybil

PARSER = PageParser(
    optional_imports=("torch", "optax"), not_run="not-run", solution_titles=("Solution", "解答")
)
PAGES = Sybil(parsers=[PARSER], setup=fresh_script_namespace)


def run_page(tmp_path: Path, text: str, name: str = "page.md", pages: Sybil = PAGES) -> list[str]:
    """Run a page through the parser; each example's outcome: "ok", "skip: ..." or the failure."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    document = pages.parse(path)
    pages.setup(document.namespace)  # as the pytest integration does for each page
    outcomes = []
    for example in document.examples():
        try:
            example.evaluate()
        except pytest.skip.Exception as skipped:
            outcomes.append(f"skip: {skipped.msg}")
        except AssertionError as failure:
            outcomes.append(str(failure))
        else:
            outcomes.append("ok")
    return outcomes


def test_output_block_must_equal_what_the_block_prints(tmp_path):
    outcomes = run_page(
        tmp_path,
        """\
        ```python
        print(f"{1 / 3:.3f}")
        ```

        ```output
        0.333
        ```

        ```python
        print(f"{2 / 3:.3f}")
        ```

        ```output
        0.667000
        ```
        """,
    )
    assert outcomes[0] == "ok"
    assert "printed output differs" in outcomes[1] and "+0.667" in outcomes[1]


def test_block_that_prints_without_output_block_fails(tmp_path):
    [outcome] = run_page(
        tmp_path,
        """\
        ```python
        print("hello")
        ```
        """,
    )
    assert "no ```output block follows" in outcome


def test_output_block_not_after_python_block_fails(tmp_path):
    outcomes = run_page(
        tmp_path,
        """\
        ```python
        x = 1
        ```

        Some prose in between.

        ```output
        1
        ```
        """,
    )
    assert outcomes[0] == "ok"
    assert "must directly follow" in outcomes[1]


def test_blocks_of_a_page_share_one_namespace_in_order(tmp_path):
    outcomes = run_page(
        tmp_path,
        """\
        ```python
        total = 2
        ```

        ```python
        total += 3
        print(total, __name__)
        ```

        ```output
        5 __main__
        ```
        """,
    )
    assert outcomes == ["ok", "ok"]


def test_each_page_starts_with_a_fresh_namespace(tmp_path):
    run_page(
        tmp_path,
        """\
        ```python
        leaked = 1
        ```
        """,
    )
    [outcome] = run_page(
        tmp_path,
        """\
        ```python
        print("leaked" in globals())
        ```

        ```output
        False
        ```
        """,
        name="other-page.md",
    )
    assert outcome == "ok"


def test_blocks_inside_content_tabs_run_and_are_checked(tmp_path):
    outcomes = run_page(
        tmp_path,
        """\
        === "NumPy"

            ```python
            print(1 + 1)
            ```

            ```output
            2
            ```

        === "Wrong"

            ```python
            print(1 + 2)
            ```

            ```output
            4
            ```
        """,
    )
    assert outcomes[0] == "ok"
    assert "printed output differs" in outcomes[1]


def test_not_run_admonition_skips_the_block_with_its_reason(tmp_path):
    outcomes = run_page(
        tmp_path,
        """\
        !!! not-run "not run here: needs 8 GPUs and torchrun"

        ```python
        raise SystemExit("would need GPUs")
        ```

        !!! not-run "not run here: needs 2 processes"

        ```python
        print("x")
        ```

        ```output
        x
        ```
        """,
    )
    assert outcomes[0] == "skip: not run here: needs 8 GPUs and torchrun"
    assert "cannot show an output block" in outcomes[1]


def test_framework_blocks_skip_only_when_the_framework_is_missing(tmp_path, monkeypatch):
    source = "import torch.nn as nn\nfrom optax import clip\nimport numpy"
    assert frameworks_imported(source, ("torch", "optax")) == ["optax", "torch"]
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "torch" else real_find_spec(name, *a),
    )
    [outcome] = run_page(
        tmp_path,
        """\
        ```python
        import torch
        ```
        """,
    )
    assert outcome == "skip: needs torch (not installed)"


FRAMEWORK_PAGE = """\
    ```python
    import numpy as np
    ```

    ```python
    import torch
    t = torch.ones(2)
    ```

    ```python
    print(t.sum().item())
    ```

    ```output
    2.0
    ```
    """


def _without_torch(monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "torch" else real_find_spec(name, *a),
    )


def test_blocks_after_a_skipped_framework_block_are_skipped_not_failed(tmp_path, monkeypatch):
    _without_torch(monkeypatch)
    outcomes = run_page(tmp_path, FRAMEWORK_PAGE)
    assert outcomes == [
        "ok",
        "skip: needs torch (not installed)",
        "skip: an earlier block of this page was skipped: needs torch (not installed)",
    ]


def test_required_optional_imports_fail_instead_of_skipping(tmp_path, monkeypatch):
    _without_torch(monkeypatch)
    strict = PageParser(optional_imports=("torch",), require_optional_imports=lambda: True)
    outcomes = run_page(
        tmp_path, FRAMEWORK_PAGE, pages=Sybil(parsers=[strict], setup=fresh_script_namespace)
    )
    assert outcomes[0] == "ok"
    assert "needs torch (not installed), and this run requires them" in outcomes[1]
    assert "an earlier block of this page could not run: needs torch" in outcomes[2]


@pytest.mark.parametrize(("ci", "fails"), [("true", True), ("1", True), ("", False), ("0", False)])
def test_the_docs_pages_require_the_frameworks_in_ci(
    tmp_path, monkeypatch, docs_page_parser, ci, fails
):
    _without_torch(monkeypatch)
    monkeypatch.setenv("CI", ci)
    docs = Sybil(parsers=[docs_page_parser], setup=fresh_script_namespace)
    outcome = run_page(tmp_path, FRAMEWORK_PAGE, pages=docs)[1]
    assert outcome.startswith("skip:") != fails, outcome


# The comparison is exact: every line, and whitespace, count. A check weakened to the first line
# or made whitespace-insensitive fails these.
@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ('print("a")\nprint("b")', "a\nc\n"),  # only the second line differs
        ('print("a")\nprint("b")\nprint("c")', "a\nb\n"),  # a line missing at the end
        ('print("a")', "a\nb\n"),  # a line too many
        ('print("x  y")', "x y\n"),  # two spaces printed, one shown
        ('print("x y ")', "x y\n"),  # trailing space printed
        ('print("    x")', "x\n"),  # indentation printed
        ('print("x")\nprint()', "x\n"),  # a blank line printed
        ('print("x")', "x\n\n"),  # a blank line shown
        ('print("a\\tb")', "a b\n"),  # a tab printed
    ],
)
def test_output_comparison_checks_every_line_and_whitespace(tmp_path, code, shown):
    fence_body = "\n".join("    " + line for line in code.split("\n"))
    shown_body = "".join("    " + line + "\n" if line else "\n" for line in shown.split("\n")[:-1])
    page = f"    ```python\n{fence_body}\n    ```\n\n    ```output\n{shown_body}    ```\n"
    [outcome] = run_page(tmp_path, page)
    assert "printed output differs" in outcome, (code, shown, outcome)


def test_output_comparison_accepts_an_exact_multi_line_output(tmp_path):
    [outcome] = run_page(
        tmp_path,
        """\
        ```python
        print("a")
        print("  b  c")
        print()
        print("d")
        ```

        ```output
        a
          b  c

        d
        ```
        """,
    )
    assert outcome == "ok"


def test_a_failing_block_reports_the_page_line(tmp_path):
    path = tmp_path / "page.md"
    path.write_text("Text.\n\n```python\nx = 1\ny = x / 0\n```\n", encoding="utf-8")
    [example] = PAGES.parse(path).examples()
    with pytest.raises(ZeroDivisionError) as raised:
        example.evaluate()
    assert raised.traceback[-1].lineno + 1 == 5  # 1-based line of `y = x / 0` in page.md


# --- exercise solutions ---------------------------------------------------------------------------


def test_solution_blocks_run_in_their_own_namespace_not_the_pages(tmp_path):
    outcomes = run_page(
        tmp_path,
        """\
        ```python
        answer = 42
        ```

        ??? success "Solution"

            ```python
            print("answer" in globals(), __name__)
            answer = 1
            ```

            ```output
            False __main__
            ```

            ```python
            print(answer)
            ```

            ```output
            1
            ```

        ```python
        print(answer)
        ```

        ```output
        42
        ```
        """,
    )
    assert outcomes == ["ok", "ok", "ok", "ok"]


def test_each_solution_has_a_fresh_namespace_of_its_own(tmp_path):
    outcomes = run_page(
        tmp_path,
        """\
        ??? success "解答"

            ```python
            first = 1
            ```

        ??? success "解答"

            ```python
            print("first" in globals())
            ```

            ```output
            False
            ```
        """,
    )
    assert outcomes == ["ok", "ok"]


def test_solution_output_blocks_are_checked(tmp_path):
    [outcome] = run_page(
        tmp_path,
        """\
        ??? success "Solution"

            ```python
            print(2 + 2)
            ```

            ```output
            5
            ```
        """,
    )
    assert "printed output differs" in outcome and "+4" in outcome


def test_only_details_titled_exactly_solution_hold_solutions(tmp_path):
    path = tmp_path / "page.md"
    path.write_text(
        textwrap.dedent(
            """\
            ??? note "Solution sketch"

                ```python
                a = 1
                ```

            !!! success "Solution"

                ```python
                b = 2
                ```

            ???+ success "Solution"

                ```python
                c = 3
                ```

            ```python
            d = 4
            ```
            """
        ),
        encoding="utf-8",
    )
    blocks = PARSER.python_blocks(path)
    assert [b.solution is not None for b in blocks] == [False, False, True, False]
    assert blocks[2].solution.title == "Solution"


def test_a_solution_ends_where_its_indentation_ends(tmp_path):
    outcomes = run_page(
        tmp_path,
        """\
        ```python
        shared = "page"
        ```

        === "Exercise"

            Predict, then run.

            ??? success "Solution"

                ```python
                shared = "solution"
                ```

            ```python
            print(shared)
            ```

            ```output
            page
            ```
        """,
    )
    assert outcomes == ["ok", "ok", "ok"]
