#!/usr/bin/env bash
# Regenerate requirements/constraints.txt (the lock file) from a throw-away environment that
# installs the newest versions allowed by pyproject.toml. Run after changing dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-python3}" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check ".[dev,frameworks]"
{
    echo "# Lock file: exact versions for every install of gdguide's environment (scripts/setup.sh)."
    echo "# Regenerate with scripts/lock.sh. torch is the CPU build where the platform has one."
    "$tmp/venv/bin/python" -m pip freeze --all --exclude gdguide --exclude pip | sed -E 's/^torch==([0-9.]+)\+cpu$/torch==\1/'
} > requirements/constraints.txt
echo "wrote requirements/constraints.txt ($(grep -vc '^#' requirements/constraints.txt) pins)"
