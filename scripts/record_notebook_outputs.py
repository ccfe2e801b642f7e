"""Record what each notebook's code cells print, for tests/test_notebooks.py to compare against.

The notebooks are stored without outputs (mkdocs-jupyter executes them at every build, so a page
never shows stale output); this record is what the tests hold the printed text to, like a page's
```output blocks. zh and en notebooks share their code, so one record serves both: the English
notebooks are executed here. Run after changing a notebook's code:

    .venv/bin/python scripts/record_notebook_outputs.py
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "tests" / "data" / "notebook_outputs.json"


def printed_outputs(notebook: nbformat.NotebookNode) -> list[list]:
    """[code cell number (0-based, counting code cells only), stdout text] for cells that print."""
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    printed = []
    for number, cell in enumerate(code_cells):
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
        if text:
            printed.append([number, text])
    return printed


def execute(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return notebook


def main() -> None:
    record = {
        path.stem: printed_outputs(execute(path))
        for path in sorted((ROOT / "docs" / "en" / "notebooks").glob("*.ipynb"))
    }
    RECORD.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RECORD.relative_to(ROOT)}: {sum(map(len, record.values()))} printing cells")


if __name__ == "__main__":
    main()
