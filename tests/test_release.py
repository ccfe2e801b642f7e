"""What a reader installs: the version the site names, the wheel it serves, the release artefacts.

- `gdguide.__version__` is the package metadata's version, written once (pyproject.toml); every
  version the pages, notebooks and README name is that one, and every page's footer shows it with
  a link to the wheel the site serves.
- `python -m build` makes an sdist and a wheel that pass `twine check`; the wheel holds the
  package (its modules and `py.typed`) and nothing of the site or the tests.
- The wheel the built site serves, installed into a fresh virtual environment (not the editable
  checkout), runs the home page's blocks of both languages and prints what the pages show, and
  runs every docstring example of the package.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from gdguide_site.release import released_wheel, wheel_name

import gdguide

ROOT = Path(__file__).resolve().parents[1]
VERSION = gdguide.__version__
WHEEL = f"gdguide-{VERSION}-py3-none-any.whl"
#: Versions a text names: `gdguide==X`, `gdguide[plot]==X`, `gdguide-X-py3-none-any.whl`.
NAMED_VERSION = re.compile(
    r"gdguide(?:\[[\w,]+\])?==(?P<pinned>[\w.+-]+)|gdguide-(?P<wheel>[\w.+]+)-py3-none-any\.whl"
)
FENCE = re.compile(r"^```(?P<info>\w*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


def named_versions(text: str) -> list[str]:
    return [m["pinned"] or m["wheel"] for m in NAMED_VERSION.finditer(text)]


def texts_that_name_versions() -> list[Path]:
    docs = sorted((ROOT / "docs").glob("*/**/*.md")) + sorted((ROOT / "docs").glob("*/**/*.ipynb"))
    return [ROOT / "README.md", *docs]


def home_page_blocks(path: Path) -> list[tuple[str, str]]:
    """(code, output shown) of every python block of a page whose fences are all top level."""
    blocks: list[tuple[str, str]] = []
    for fence in FENCE.finditer(path.read_text(encoding="utf-8")):
        if fence["info"] == "python":
            blocks.append((fence["body"], ""))
        elif fence["info"] == "output":
            code, _ = blocks[-1]
            blocks[-1] = (code, fence["body"])
    return blocks


def test_version_is_the_package_metadata_written_once_in_pyproject():
    with (ROOT / "pyproject.toml").open("rb") as file:
        written = tomllib.load(file)["project"]["version"]
    assert VERSION == metadata.version("gdguide") == written
    init = (ROOT / "gdguide" / "__init__.py").read_text(encoding="utf-8")
    assert not re.search(r"__version__ = ['\"]\d+\.\d", init), "the version is written twice"


def test_every_version_the_pages_name_is_the_installed_one():
    named = {
        path: named_versions(path.read_text(encoding="utf-8"))
        for path in texts_that_name_versions()
    }
    wrong = {
        str(path.relative_to(ROOT)): v for path, vs in named.items() for v in vs if v != VERSION
    }
    assert not wrong, f"versions other than {VERSION} named: {wrong}"
    for lang in ("zh", "en"):  # the install section says which version, in both languages
        assert VERSION in named[ROOT / "docs" / lang / "index.md"]
    assert f"## [{VERSION}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_named_versions_finds_pins_extras_and_wheel_names():
    text = (
        'pip install "gdguide[plot,frameworks]==1.2.3" gdguide==0.4 gdguide-2.0.0-py3-none-any.whl'
    )
    assert named_versions(text) == ["1.2.3", "0.4", "2.0.0"]


@pytest.mark.slow
def test_every_page_footer_names_the_version_and_links_the_served_wheel(built_site):
    served = [built_site / "dist" / WHEEL, built_site / "en" / "dist" / WHEEL]
    assert all(path.is_file() for path in served)
    assert served[0].read_bytes() == served[1].read_bytes()  # one file, built reproducibly
    link = re.compile(r'<code>gdguide (?P<version>[^<]+)</code> ·\s*<a href="(?P<href>[^"]+)"')
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        found = link.search(page.read_text(encoding="utf-8"))
        assert found, f"{page.relative_to(built_site)}: no version in the footer"
        assert found["version"] == VERSION
        href = found["href"]
        target = built_site / href.lstrip("/") if href.startswith("/") else page.parent / href
        assert target.resolve() in {path.resolve() for path in served}, (page, href)


def tracked_files_copy(destination: Path) -> Path:
    """A copy of the files git tracks (what a fresh clone holds), to build from."""
    listed = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.mark.slow
def test_build_makes_an_sdist_and_a_wheel_that_twine_accepts(tmp_path):
    source = tracked_files_copy(tmp_path / "clone")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
    build = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path / "dist")]
    subprocess.run(build, cwd=source, env=env, check=True, capture_output=True)
    sdist = tmp_path / "dist" / f"gdguide-{VERSION}.tar.gz"
    wheel = tmp_path / "dist" / WHEEL
    assert sdist.is_file() and wheel.is_file()
    twine = [sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)]
    checked = subprocess.run(twine, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    names = zipfile.ZipFile(wheel).namelist()
    package = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "gdguide").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "gdguide/plotting/__init__.py" in package  # subpackages are in the wheel too
    assert "gdguide/py.typed" in package
    assert {
        name for name in names if not name.startswith(f"gdguide-{VERSION}.dist-info/")
    } == package
    with tarfile.open(sdist) as archive:
        members = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE", "gdguide/py.typed"} <= members
    assert not {name for name in members if name.split("/")[0] in {"docs", "site", "node_modules"}}


#: Runs in the fresh environment: the home pages' blocks (one fresh namespace per page) and every
#: module's docstring examples; prints JSON.
RUN_IN_FRESH_VENV = r"""
import contextlib, doctest, importlib, io, json, pkgutil, sys
import gdguide

pages = json.loads(sys.stdin.read())
printed = {}
for name, blocks in pages.items():
    namespace = {"__name__": "__main__"}
    printed[name] = []
    for code in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, name, "exec"), namespace)
        printed[name].append(out.getvalue())
doctests = {}
for module in pkgutil.iter_modules(gdguide.__path__):
    if not module.name.startswith("_"):
        mod = importlib.import_module(f"gdguide.{module.name}")
        # a subpackage (gdguide.plotting) defines its functions in its private modules
        parts = [mod] + [importlib.import_module(f"{mod.__name__}.{sub.name}")
                         for sub in pkgutil.iter_modules(getattr(mod, "__path__", []))]
        failed = attempted = 0
        with contextlib.redirect_stdout(io.StringIO()) as report:
            flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
            for part in parts:
                result = doctest.testmod(part, optionflags=flags)
                failed, attempted = failed + result.failed, attempted + result.attempted
        doctests[module.name] = [failed, attempted, report.getvalue()]
print(json.dumps({"file": gdguide.__file__, "version": gdguide.__version__,
                  "printed": printed, "doctests": doctests}))
"""


@pytest.mark.slow
def test_served_wheel_in_a_fresh_environment_runs_the_home_page_and_docstring_examples(
    built_site, tmp_path
):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    wheel = built_site / "dist" / WHEEL
    install = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-c",
        str(ROOT / "requirements" / "constraints.txt"),
        f"gdguide[plot] @ {wheel.as_uri()}",
    ]
    subprocess.run(install, check=True, capture_output=True)
    pages = {lang: home_page_blocks(ROOT / "docs" / lang / "index.md") for lang in ("zh", "en")}
    assert all(len(blocks) >= 2 for blocks in pages.values())
    done = subprocess.run(
        [str(python), "-I", "-c", RUN_IN_FRESH_VENV],  # -I: nothing from the checkout or cwd
        input=json.dumps({lang: [code for code, _ in blocks] for lang, blocks in pages.items()}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert Path(result["file"]).is_relative_to(venv), result["file"]
    assert result["version"] == VERSION
    for lang, blocks in pages.items():
        assert result["printed"][lang] == [shown for _, shown in blocks], lang
    failed = {name: report for name, (fails, _, report) in result["doctests"].items() if fails}
    assert not failed, failed
    attempted = {name: tried for name, (_, tried, _) in result["doctests"].items()}
    # Every public module has examples (doctest counts each `>>>` line).
    assert all(tried > 0 for tried in attempted.values()), attempted
    assert set(attempted) >= {"clipping", "descent", "optimizers", "stability", "nets", "plotting"}


def test_released_wheel_must_be_the_built_versions_file(tmp_path, monkeypatch):
    wheel = tmp_path / wheel_name("1.2.3")
    wheel.write_bytes(b"PK")
    monkeypatch.setenv("GDGUIDE_WHEEL", str(wheel))
    assert released_wheel("1.2.3") == wheel
    with pytest.raises(ValueError, match="GDGUIDE_WHEEL"):
        released_wheel("1.2.4")  # another version's file
    monkeypatch.setenv("GDGUIDE_WHEEL", str(tmp_path / wheel_name("9.9.9")))
    with pytest.raises(ValueError, match="GDGUIDE_WHEEL"):
        released_wheel("9.9.9")  # no such file
    monkeypatch.delenv("GDGUIDE_WHEEL")
    assert released_wheel("1.2.3") is None
