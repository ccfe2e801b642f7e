#!/usr/bin/env bash
# Set everything up and run every test: the linters (ruff for Python, Biome for the site's
# JavaScript), docstring examples, unit, property and parity tests, the docs pages in both
# languages, notebooks and the strict site build.
#
#   scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,frameworks
.venv/bin/python -m ruff check .
node_modules/.bin/biome check   # biome.json: the JavaScript's format and lint rules
exec .venv/bin/python -m pytest "$@"
