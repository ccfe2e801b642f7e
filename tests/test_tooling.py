"""The linters and the type checker are part of the test command, at the versions the lock pins.

`ruff check`, `ruff format --check` and `mypy` (configured in pyproject.toml) run here, so that
`scripts/test.sh` fails on a lint, formatting or type error like on any other test; the
pre-commit hooks (.pre-commit-config.yaml) run the same commands before a commit.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",)],
    ids=" ".join,
)
def test_linters_and_type_checker_pass(command):
    result = _run(str(BIN / command[0]), *command[1:])
    assert result.returncode == 0, result.stdout + result.stderr


def _pinned(name: str) -> str:
    lock = (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(name)}==(\S+)$", lock, re.MULTILINE)
    assert match, f"{name} is not pinned in requirements/constraints.txt"
    return match[1]


@pytest.mark.parametrize(("tool", "package"), [("ruff", "ruff"), ("mypy", "mypy")])
def test_the_tools_run_are_the_pinned_versions(tool, package):
    version = _pinned(package)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"{package}=={version}"' in pyproject, f"the dev extra does not pin {package}"
    assert version in _run(str(BIN / tool), "--version").stdout


def test_pre_commit_hooks_are_local_and_run_the_same_commands():
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    repos = re.findall(r"^\s*-\s*repo:\s*(\S+)", config, re.MULTILINE)
    assert repos == ["local"], "pre-commit cannot fetch hook repositories here: local hooks only"
    for entry in ("ruff check", "ruff format", "mypy"):
        assert f".venv/bin/{entry}" in config


def test_lighthouse_lock_pins_every_latest_dependency_with_an_override():
    # `npm ci` compares a dependency asked for at `latest` with the registry's newest release, so
    # the benchmark's lock file broke on a fresh clone when third-party-web published 0.30.0;
    # package.json's overrides pin each such package to its locked version.
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "benchmarks" / "lighthouse"
    manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((folder / "package-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    latest = {
        name
        for entry in packages.values()
        for name, spec in entry.get("dependencies", {}).items()
        if spec == "latest"
    }
    assert latest, "the lock file asks for nothing at `latest`: drop this test and the overrides"
    overrides = manifest.get("overrides", {})
    locked = {name: packages[f"node_modules/{name}"]["version"] for name in latest}
    assert {name: overrides.get(name) for name in latest} == locked
