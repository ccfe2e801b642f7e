"""The in-browser core (docs/overrides/assets/js/diagnose-core.js) gives the Python report.

Runs the module through `node` on the shipped example logs and on edge cases, and compares its
report object with `gdguide.diagnose.diagnose_files` key by key (floats to 1e-12).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gdguide.diagnose import diagnose_files

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "docs" / "overrides" / "assets" / "js" / "diagnose-core.js"
LOGS = ROOT / "tests" / "data" / "logs"
RUNNER = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [core, ...paths] = process.argv.slice(1);
const { diagnoseTexts } = await import(pathToFileURL(core).href);
const files = paths.map((name) => ({ name, text: readFileSync(name, "utf8") }));
process.stdout.write(JSON.stringify(diagnoseTexts(files)));
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs node (npm ci)")


def js_report(paths: list[str]) -> dict:
    result = subprocess.run(
        ["node", "--input-type=module", "-e", RUNNER, str(CORE), *paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def assert_same(js: object, py: object, where: str = "report") -> None:
    if isinstance(py, dict):
        assert isinstance(js, dict) and set(js) == set(py), where
        for key in py:
            assert_same(js[key], py[key], f"{where}.{key}")
    elif isinstance(py, list):
        assert isinstance(js, list) and len(js) == len(py), where
        for i, (a, b) in enumerate(zip(js, py, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(py, float) and not isinstance(js, str):
        assert js == pytest.approx(py, rel=1e-12, abs=0), where
    else:
        assert js == py, where


EXAMPLES = {
    "spike": ["spike_led_by_grad_norm.csv"],
    "nan": ["goes_nan.jsonl"],
    "resumed": ["resumed/part1.csv", "resumed/part2.csv"],
    "tensorboard_loss_only": ["tensorboard/run-train-tag-loss.csv"],
    "tensorboard": [
        "tensorboard/run-train-tag-loss.csv",
        "tensorboard/run-train-tag-grad_norm.csv",
    ],
}

EDGE_CASES = {
    "spellings.csv": "step,loss,grad_norm\n0,nan,1\n1,NaN,inf\n2,-inf,Infinity\n3,1.0,-Infinity\n"
    + "".join(f"{i},1,1\n" for i in range(4, 30)),
    "spellings.jsonl": '{"step": 0, "loss": NaN, "grad_norm": 1}\n'
    '{"step": 1, "loss": "nan", "grad_norm": Infinity}\n'
    '{"step": 2, "loss": -Infinity, "grad_norm": "inf"}\n',
    "resumed.csv": "step,loss,grad_norm\n"
    + "".join(f"{i},{1 + i % 3},{1 + i % 2}\n" for i in range(20))
    + "".join(f"{i},2,1\n" for i in range(10, 40)),
    "no_grad_norm.csv": "step,loss\n"
    + "".join(f"{i},{9.0 if i == 25 else 2.0}\n" for i in range(40)),
    "ties.csv": "step,grad_norm\n"
    + "".join(f"{i},{5.0 if i in (20, 30) else (1.0 if i % 2 else 1.5)}\n" for i in range(40)),
    "one_line.csv": "step,loss,grad_norm\n0,2.5,1.0\n",
    "no_step.jsonl": "".join(
        f'{{"loss": 2, "grad_norm": {40 if i == 15 else 1}}}\n' for i in range(30)
    ),
}


@pytest.mark.parametrize("case", sorted(EXAMPLES))
def test_js_core_matches_python_on_the_example_logs(case):
    paths = [str(LOGS / p) for p in EXAMPLES[case]]
    assert_same(js_report(paths), diagnose_files(paths))


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_js_core_matches_python_on_edge_cases(name, tmp_path):
    path = tmp_path / name
    path.write_text(EDGE_CASES[name], encoding="utf-8")
    assert_same(js_report([str(path)]), diagnose_files([str(path)]))
