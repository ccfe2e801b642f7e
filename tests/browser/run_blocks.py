"""Run code blocks copied from a page, in order, as a reader pasting them into a fresh `python`.

    python run_blocks.py < blocks.json > results.json

Input: `{"blocks": [{"code": str, "notebook": bool, "solution": int | None}, ...]}`. The page's
blocks (`solution` null) share one namespace that starts as a fresh script's
(`__name__ == "__main__"`); the blocks of each exercise solution (`solution` its number on the
page) share a fresh namespace of their own, as a reader runs a solution on its own.

Output, one entry per block: what it printed (`stdout`), for a notebook cell the kind of value its
last expression shows (`result`: `null`, `"figure"` for an object with an SVG/PNG representation,
else `"text"`), and `error` (a traceback; the blocks after a failing one still run). A block whose
framework import is missing reports `missing` instead of running.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import json
import sys
import traceback

FRAMEWORKS = ("torch", "keras", "jax", "optax")


def missing_frameworks(tree: ast.Module) -> list[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return sorted(n for n in names & set(FRAMEWORKS) if importlib.util.find_spec(n) is None)


def shown_kind(value: object) -> str | None:
    """What Jupyter would show for a cell's last expression."""
    if value is None:
        return None
    if any(hasattr(value, f"_repr_{kind}_") for kind in ("svg", "png", "jpeg")):
        return "figure"
    return "text"


def run(block: dict, namespace: dict, number: int) -> dict:
    tree = ast.parse(block["code"], filename=f"<block {number}>")
    missing = missing_frameworks(tree)
    if missing:
        return {"stdout": "", "result": None, "error": None, "missing": missing}
    last = None
    if block.get("notebook") and tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    printed = io.StringIO()
    result, error = None, None
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(tree, f"<block {number}>", "exec"), namespace)
            if last is not None:
                result = shown_kind(eval(compile(last, f"<block {number}>", "eval"), namespace))
    except BaseException:  # noqa: BLE001 - reported to the test, which fails on it
        error = traceback.format_exc(limit=-3)
    return {"stdout": printed.getvalue(), "result": result, "error": error, "missing": []}


def main() -> None:
    blocks = json.load(sys.stdin)["blocks"]
    namespaces: dict[int | None, dict] = {}
    results = [
        run(block, namespaces.setdefault(block.get("solution"), {"__name__": "__main__"}), number)
        for number, block in enumerate(blocks, 1)
    ]
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main()
