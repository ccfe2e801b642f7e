"""Launched scripts on the docs pages: a script file, the command that launches it, its output.

Some recipes cannot run inside the page's namespace: distributed training needs several processes
(`torchrun --nproc-per-node 2 ...`), and JAX must see `XLA_FLAGS` before it starts. Such a recipe
is written on the page as three fences in a row (blank lines only between them):

````markdown
```python
# file: ddp_accumulate.py
import torch
...
```

```bash
torchrun --standalone --nproc-per-node 2 ddp_accumulate.py
```

```output
what the launch prints on stdout (the scripts print on rank 0 only)
```
````

- The python block's first line is exactly `# file: <name>.py` (the same in both languages); the
  bash block holds one command that names that file; the output block is required.
- The test writes the script into a fresh temporary directory, runs exactly that command there
  (its first word resolved in the test's own environment, so `python`, `torchrun` and
  `accelerate` are the project's), and compares stdout with the output block. The environment
  keeps everything on this machine and small: `MASTER_ADDR=127.0.0.1`, `GLOO_SOCKET_IFNAME=lo`,
  `OMP_NUM_THREADS=1`, a free `MASTER_PORT` (torchrun's `--standalone` picks its own).
- A launch that runs longer than `GDGUIDE_LAUNCH_TIMEOUT` seconds (default 300) fails, and every
  process it started is killed, on timeout, failure and success alike: each launch carries a
  marker in its environment, and every process holding it (torchrun's workers start their own
  sessions, so a process group is not enough) is stopped, then killed.
- The script runs in a process of its own, not in the page's namespace, so these blocks are
  exempt from the run-in-order rule of plain blocks: a plain block may not use what a launched
  script defines, and a launched script sees nothing of the page.
- A script importing torch, jax, optax, keras or accelerate is reported as skipped when that
  package is not installed, like a plain block (CI installs them all).
- Launches are cached within the test session by the script's code without its `#` comments,
  its file name and the command: a recipe identical in both languages up to comments runs once
  for both pages (each page still compares the output with its own output block).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import io
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tokenize
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from gdguide_site.page_parser import frameworks_imported

from tests.framework_support import in_ci

#: The first line of a launched script: `# file: name.py`.
FILE_LINE = re.compile(r"^# file: (?P<name>[A-Za-z0-9_][A-Za-z0-9_.-]*\.py)[ \t]*\n")
#: The environment variable that marks every process of one launch.
MARKER = "GDGUIDE_LAUNCH_ID"
DEFAULT_TIMEOUT = 300.0
#: Packages a launched script may need that a minimal install lacks: the script is then skipped.
FRAMEWORKS = ("torch", "jax", "optax", "keras", "accelerate")
NO_COMMAND = "a ```bash block with the launch command must directly follow a launched script"
NO_OUTPUT = "an ```output block must directly follow the launch command of a launched script"


@dataclass(frozen=True)
class Launch:
    """What one launch printed and how it ended."""

    stdout: str
    stderr: str
    returncode: int | None  # None: killed after the timeout
    seconds: float


def script_name(source: str) -> str | None:
    """The file name a python block declares on its first line, if it is a launched script."""
    match = FILE_LINE.match(source)
    return match["name"] if match else None


def command_problem(command: str, name: str) -> str | None:
    """Why `command` cannot be the launch command of script `name`, or None."""
    lines = [line for line in command.splitlines() if line.strip()]
    if len(lines) != 1:
        return "the bash block after a launched script holds exactly one command line"
    if name not in shlex.split(lines[0]):
        return f"the launch command does not name the script {name!r}"
    return None


def missing_frameworks(source: str) -> list[str]:
    """FRAMEWORKS packages that `source` imports and this environment lacks."""
    wanted = frameworks_imported(source, FRAMEWORKS)
    return [name for name in wanted if importlib.util.find_spec(name) is None]


def code_without_comments(source: str) -> str:
    """`source` without `#` comments (the cache key: zh and en scripts differ only there)."""
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type != tokenize.COMMENT
        ]
        source = tokenize.untokenize(tokens)
    except (tokenize.TokenError, SyntaxError):
        pass
    return "\n".join(line.rstrip() for line in source.splitlines() if line.strip())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_environment(marker: str) -> dict[str, str]:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.update(
        {
            MARKER: marker,
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(free_port()),
            "GLOO_SOCKET_IFNAME": "lo",
            "OMP_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.pop("PYTHONPATH", None)  # the script sees what a reader's fresh shell sees
    return env


def marked_processes(marker: str) -> list[int]:
    """Ids of the live processes whose environment holds `MARKER=marker`."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def kill_marked(marker: str) -> list[int]:
    """Stop every process of the launch (so none forks or respawns), then kill them all."""
    killed: set[int] = set()
    for _ in range(50):
        pids = [pid for pid in marked_processes(marker) if pid != os.getpid()]
        if not pids:
            break
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        killed.update(pids)
        time.sleep(0.05)
    return sorted(killed)


def read_from_start(file) -> str:
    file.seek(0)
    return file.read().decode(errors="replace")


def run_launch(source: str, name: str, command: str, timeout: float | None = None) -> Launch:
    """Write `source` as `name` into a fresh directory and run `command` there."""
    if timeout is None:
        timeout = float(os.environ.get("GDGUIDE_LAUNCH_TIMEOUT", DEFAULT_TIMEOUT))
    marker = uuid.uuid4().hex
    env = launch_environment(marker)
    argv = shlex.split(command)
    argv[0] = shutil.which(argv[0], path=env["PATH"]) or argv[0]
    workdir = Path(tempfile.mkdtemp(prefix="gdguide-launch-"))
    try:
        (workdir / name).write_text(source, encoding="utf-8")
        # files, not pipes: a leftover grandchild holding a pipe open would block reading it
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            start = time.monotonic()
            process = subprocess.Popen(
                argv,
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            try:
                returncode = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                returncode = None
            finally:
                kill_marked(marker)  # on timeout, and workers a finished launch left behind
                process.wait()
            stdout, stderr = read_from_start(out), read_from_start(err)
        return Launch(stdout, stderr, returncode, time.monotonic() - start)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


_cache: dict[str, Launch] = {}


def cached_launch(source: str, name: str, command: str) -> Launch:
    """`run_launch`, once per test session for scripts equal up to `#` comments."""
    key = hashlib.sha256(
        "\0".join([name, command.strip(), code_without_comments(source)]).encode()
    ).hexdigest()
    if key not in _cache:
        _cache[key] = run_launch(source, name, command)
    return _cache[key]


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def launch_problem(launch: Launch, expected: str, command: str) -> str | None:
    """Why `launch` does not show `expected`, or None."""
    if launch.returncode is None:
        return (
            f"`{command}` did not finish within the timeout ({launch.seconds:.0f} s); all its "
            f"processes were killed. stdout:\n{tail(launch.stdout)}\nstderr:\n{tail(launch.stderr)}"
        )
    if launch.returncode != 0:
        return (
            f"`{command}` exited with status {launch.returncode}. stdout:\n{tail(launch.stdout)}"
            f"\nstderr:\n{tail(launch.stderr)}"
        )
    if launch.stdout != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            launch.stdout.splitlines(keepends=True),
            "output block on the page",
            f"printed by `{command}`",
        )
        return "the launch printed something else than the output block:\n" + "".join(diff)
    return None


# --- the page parser's side: three fences, one example ------------------------------------------


@dataclass
class LaunchedScript:
    """A launched script on a page (shaped like the parser's python blocks: source, output)."""

    source: str
    output: str | None
    name: str
    command: str | None
    problem: str | None = None  # a malformed triple: what is wrong with it
    not_run: None = None  # launched scripts always run
    solution: None = None  # and never sit in an exercise's solution


def _follows(text: str, before, after) -> bool:
    return after is not None and not text[before.end : after.start].strip()


def launched_script(document, fences: list, i: int):
    """The example for a launched script opening at `fences[i]`, or None if it is not one.

    Returns `(region, used)`: the sybil region spanning the python, bash and output fences and
    how many fences it uses (the parser skips the bash and output fences after it).
    """
    from sybil import Region

    opening = fences[i]
    source = str(opening.lexemes["source"])
    name = script_name(source)
    if opening.lexemes["info"] != "python" or name is None:
        return None
    text = document.text
    bash = fences[i + 1] if i + 1 < len(fences) else None
    output = fences[i + 2] if i + 2 < len(fences) else None
    if not (_follows(text, opening, bash) and bash.lexemes["info"] == "bash"):
        script = LaunchedScript(source, None, name, None, NO_COMMAND)
        return Region(opening.start, opening.end, script, evaluate_launch), 1
    command = str(bash.lexemes["source"]).strip()
    problem = command_problem(command, name)
    if not (_follows(text, bash, output) and output.lexemes["info"] == "output"):
        script = LaunchedScript(source, None, name, command, problem or NO_OUTPUT)
        return Region(opening.start, bash.end, script, evaluate_launch), 2
    script = LaunchedScript(source, str(output.lexemes["source"]), name, command, problem)
    return Region(opening.start, output.end, script, evaluate_launch), 3


def evaluate_launch(example) -> str | None:
    script: LaunchedScript = example.parsed
    if script.problem is not None:
        return script.problem
    if not script.output.strip():
        return "empty ```output block (a launched script must print what the page shows)"
    missing = missing_frameworks(script.source)
    if missing:  # as for plain blocks: a skip here, an error in CI (which installs them all)
        if in_ci():
            return f"needs {', '.join(missing)} (not installed), and CI must install them"
        raise pytest.skip.Exception(
            f"needs {', '.join(missing)} (not installed)", _use_item_location=True
        )
    launch = cached_launch(script.source, script.name, script.command)
    return launch_problem(launch, script.output, script.command)
