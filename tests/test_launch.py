"""The page harness for launched scripts (tests/launch.py): output checked, nothing left behind."""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from gdguide_site.page_parser import PageParser, fresh_script_namespace
from sybil import Sybil

from tests import launch
from tests.framework_support import in_ci

#: Pages read as the docs are: the project's parser with the launched-script form.
pages = Sybil(
    parsers=[PageParser(require_optional_imports=in_ci, block_forms=(launch.launched_script,))],
    setup=fresh_script_namespace,
)

FENCE = "```"


def page(script: str, command: str | None, output: str | None, before: str = "") -> str:
    """A page holding one launched script (fences built here so they stay unindented)."""
    parts = [before, f"{FENCE}python\n{textwrap.dedent(script).strip()}\n{FENCE}"]
    if command is not None:
        parts.append(f"{FENCE}bash\n{command}\n{FENCE}")
    if output is not None:
        parts.append(f"{FENCE}output\n{output}{FENCE}")
    return "\n\n".join(p for p in parts if p) + "\n"


def run_page(tmp_path: Path, text: str, name: str = "page.md") -> list[str]:
    """Each example's outcome on the page: "ok" or the failure message."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    document = pages.parse(path)
    pages.setup(document.namespace)
    outcomes = []
    for example in document.examples():
        try:
            example.evaluate()
        except AssertionError as failure:
            outcomes.append(str(failure))
        except Exception as error:  # a plain block that raises
            outcomes.append(f"{type(error).__name__}: {error}")
        else:
            outcomes.append("ok")
    return outcomes


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def processes_running(name: str) -> list[int]:
    """Live processes whose command line mentions `name`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if name.encode() in cmdline and alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def test_launched_script_output_is_compared_with_the_output_block(tmp_path):
    script = """
        # file: hello.py
        import sys
        print("hello from", sys.argv[0])
        print("to stderr", file=sys.stderr)  # not compared
    """
    good = page(script, "python hello.py", "hello from hello.py\n")
    assert run_page(tmp_path, good) == ["ok"]
    wrong = page(
        script.replace("hello from", "hi from"), "python hello.py", "hello from hello.py\n"
    )
    (outcome,) = run_page(tmp_path, wrong, "wrong.md")
    assert "printed something else than the output block" in outcome
    assert "+hi from hello.py" in outcome


def test_a_launch_that_fails_reports_its_status_and_stderr(tmp_path):
    script = """
        # file: boom.py
        raise SystemExit("the reason it stopped")
    """
    (outcome,) = run_page(tmp_path, page(script, "python boom.py", "x\n"))
    assert "exited with status 1" in outcome
    assert "the reason it stopped" in outcome


@pytest.mark.parametrize(
    ("command", "output", "problem"),
    [
        (None, None, "```bash block with the launch command must directly follow"),
        ("python hello.py", None, "```output block must directly follow the launch command"),
        ("python other.py", "hi\n", "does not name the script 'hello.py'"),
        ("python hello.py\npython hello.py", "hi\n", "exactly one command line"),
        ("python hello.py", "\n", "empty ```output block"),
    ],
)
def test_malformed_launched_scripts_fail_with_the_reason(tmp_path, command, output, problem):
    text = page('# file: hello.py\nprint("hi")', command, output)
    outcomes = run_page(tmp_path, text)
    assert problem in outcomes[0]
    assert len(outcomes) == 1  # the bash and output fences are part of the script's example


def test_launched_scripts_are_exempt_from_the_page_namespace(tmp_path):
    before = f"{FENCE}python\nshared = 1\n{FENCE}"
    script = """
        # file: fresh.py
        print("shared" in globals(), __name__)
    """
    after = f"{FENCE}python\nprint(defined_by_script)\n{FENCE}\n\n{FENCE}output\nx\n{FENCE}\n"
    text = page(script, "python fresh.py", "False __main__\n", before) + "\n" + after
    outcomes = run_page(tmp_path, text)
    assert outcomes[:2] == ["ok", "ok"]
    assert "NameError" in outcomes[2]


def test_scripts_equal_up_to_comments_launch_once(tmp_path, monkeypatch):
    calls = []

    def fake_run(source, name, command, timeout=None):
        calls.append(name)
        return launch.Launch("42\n", "", 0, 0.0)

    monkeypatch.setattr(launch, "run_launch", fake_run)
    monkeypatch.setattr(launch, "_cache", {})
    zh = page("# file: same.py\nprint(42)  # 打印答案", "python same.py", "42\n")
    en = page("# file: same.py\n# the answer\nprint(42)", "python same.py", "42\n")
    other = page("# file: same.py\nprint(41 + 1)", "python same.py", "42\n")
    assert run_page(tmp_path, zh, "zh.md") + run_page(tmp_path, en, "en.md") == ["ok", "ok"]
    assert calls == ["same.py"]
    assert run_page(tmp_path, other, "other.md") == ["ok"]
    assert calls == ["same.py", "same.py"]


def _script_needing_a_missing_framework(tmp_path, monkeypatch):
    monkeypatch.setattr(launch, "FRAMEWORKS", launch.FRAMEWORKS + ("no_such_framework",))
    text = page("# file: f.py\nimport no_such_framework.sub", "python f.py", "x\n")
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    (example,) = pages.parse(path).examples()
    return example


def test_a_script_needing_a_missing_framework_is_skipped(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    example = _script_needing_a_missing_framework(tmp_path, monkeypatch)
    with pytest.raises(pytest.skip.Exception, match="needs no_such_framework"):
        example.evaluate()


def test_a_script_needing_a_missing_framework_fails_in_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    example = _script_needing_a_missing_framework(tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="needs no_such_framework .*CI must install them"):
        example.evaluate()


def test_the_launch_runs_on_loopback_with_one_thread(tmp_path):
    script = """
        # file: env.py
        import os
        for name in ("MASTER_ADDR", "GLOO_SOCKET_IFNAME", "OMP_NUM_THREADS"):
            print(name, os.environ[name])
        print(1024 < int(os.environ["MASTER_PORT"]) < 65536)
    """
    output = "MASTER_ADDR 127.0.0.1\nGLOO_SOCKET_IFNAME lo\nOMP_NUM_THREADS 1\nTrue\n"
    assert run_page(tmp_path, page(script, "python env.py", output)) == ["ok"]


SPAWNER = """
import subprocess, sys, time
# a grandchild in a session of its own: killing the launch's process group would miss it
child = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True
)
print(child.pid, flush=True)
{then}
"""


def test_a_timeout_kills_the_launch_and_all_its_children():
    source = SPAWNER.format(then="time.sleep(600)")
    result = launch.run_launch(source, "hang.py", "python hang.py", timeout=5)
    assert result.returncode is None
    (grandchild,) = map(int, result.stdout.split())
    assert not alive(grandchild)
    problem = launch.launch_problem(result, "", "python hang.py")
    assert "did not finish within the timeout" in problem


def test_a_failed_launch_leaves_no_process_behind():
    source = SPAWNER.format(then="sys.exit(3)")
    result = launch.run_launch(source, "leave.py", "python leave.py", timeout=60)
    assert result.returncode == 3
    (grandchild,) = map(int, result.stdout.split())
    assert not alive(grandchild)


@pytest.mark.skipif(
    shutil.which("torchrun", path=str(Path(sys.executable).parent)) is None,
    reason="needs torch (not installed)",
)
def test_a_torchrun_timeout_kills_torchrun_and_its_workers():
    name = f"hang_{uuid.uuid4().hex[:8]}.py"
    # one write per worker, delimited: two workers' lines can arrive interleaved without their
    # newlines between them ("2538125380" was seen), so the pids are read by their markers
    source = (
        "import os, sys, time\n"
        "sys.stdout.write(f'<{os.getpid()}>')\n"
        "sys.stdout.flush()\n"
        "time.sleep(600)\n"
    )
    command = f"torchrun --standalone --nproc-per-node 2 {name}"
    result = launch.run_launch(source, name, command, timeout=25)
    assert result.returncode is None
    workers = [int(pid) for pid in re.findall(r"<(\d+)>", result.stdout)]
    assert len(workers) == 2, (result.stdout, result.stderr)  # both workers had started
    assert not any(alive(pid) for pid in workers)
    assert processes_running(name) == []
