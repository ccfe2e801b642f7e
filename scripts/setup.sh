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
    *,docs,* | *,dev,* | *,test,*)
        if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
            command -v npm >/dev/null 2>&1 || {
                echo "setup: building the site needs Node.js >= 18 with npm (KaTeX renders the math)" >&2
                exit 1
            }
            echo "setup: installing KaTeX, axe-core and Biome from package-lock.json (npm ci) ..."
            npm ci --no-audit --no-fund --loglevel=error
        fi
        ;;
esac
stamp=".venv/.gdguide-installed-$(echo "$extras" | tr ',' '-')"
fingerprint="$(cat pyproject.toml site_tools/pyproject.toml requirements/constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$fingerprint" ]; then
    echo "setup: installing gdguide[$extras] with the pinned versions into .venv ..."
    # torch: the CPU build pinned in the lock file. PIP_EXTRA_INDEX_URL may point at PyTorch's CPU
    # index on machines that do not have the wheel locally (see README).
    tools=()
    case ",$extras," in
        # The site's hooks, build and test helpers and the page parser (site_tools/, package
        # gdguide_site): a separate distribution, never part of the gdguide wheel.
        *,docs,* | *,dev,* | *,test,*) tools=(-e ./site_tools) ;;
    esac
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        -c requirements/constraints.txt -e ".[$extras]" "${tools[@]}"
    echo "$fingerprint" > "$stamp"
fi

# The browser tests (tests/browser/) drive Chromium with Playwright: the system's Chromium where
# there is one (as root, Debian's `chromium` is installed here, with a small CJK font so that the
# screenshots show Chinese), else Playwright's own download (macOS, or no root); GDGUIDE_CHROMIUM=
# playwright forces the download (the GitHub workflow).
case ",$extras," in
    *,test,* | *,dev,*)
        cjk_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family)" ]; }
        if [ "${GDGUIDE_CHROMIUM:-}" != playwright ] && [ "$(id -u)" = 0 ] \
            && command -v apt-get >/dev/null 2>&1 && { ! command -v chromium >/dev/null 2>&1 || ! cjk_font; }; then
            echo "setup: installing Debian's chromium and a CJK font (apt-get) ..."
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null
        fi
        if [ "${GDGUIDE_CHROMIUM:-}" = playwright ] || { [ -z "${GDGUIDE_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; }; then
            # With apt-get and root (or password-less sudo, as on GitHub's Ubuntu runners), also the
            # libraries and fonts that Playwright's Chromium needs (--with-deps); else the browser only.
            with_deps=()
            if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then
                with_deps=(--with-deps)
            fi
            echo "setup: no system Chromium; Playwright downloads its own (playwright install ${with_deps[*]:+${with_deps[*]} }chromium) ..."
            .venv/bin/python -m playwright install "${with_deps[@]}" chromium
        fi
        ;;
esac
