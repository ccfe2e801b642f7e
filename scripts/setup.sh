#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv with the pinned versions.
#
#   scripts/setup.sh EXTRAS      e.g. scripts/setup.sh docs   or   scripts/setup.sh dev,frameworks
#
# Needs only Python >= 3.11 (set PYTHON=/path/to/python to choose one). Every install is pinned by
# requirements/constraints.txt, the project's lock file. Re-running is cheap: nothing is installed
# again unless pyproject.toml, the lock file or the requested extras changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-dev}"
python="${PYTHON:-python3}"

"$python" - <<'PY' || { echo "gdguide needs Python >= 3.11 (set PYTHON=...)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

[ -x .venv/bin/python ] || "$python" -m venv .venv

# The site renders its math to HTML at build time with KaTeX, pinned by package-lock.json.
case ",$extras," in
    *,docs,* | *,dev,*)
        if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
            command -v npm >/dev/null 2>&1 || {
                echo "setup: building the site needs Node.js >= 18 with npm (KaTeX renders the math)" >&2
                exit 1
            }
            echo "setup: installing KaTeX from package-lock.json (npm ci) ..."
            npm ci --no-audit --no-fund --loglevel=error
        fi
        ;;
esac
stamp=".venv/.gdguide-installed-$(echo "$extras" | tr ',' '-')"
fingerprint="$(cat pyproject.toml requirements/constraints.txt | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fingerprint" ]; then
    exit 0
fi
echo "setup: installing gdguide[$extras] with the pinned versions into .venv ..."
# torch: the CPU build pinned in the lock file. PIP_EXTRA_INDEX_URL may point at PyTorch's CPU index
# on machines that do not have the wheel locally (see README).
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -c requirements/constraints.txt -e ".[$extras]"
echo "$fingerprint" > "$stamp"
