#!/usr/bin/env bash
# Set everything up and run every test: docstring examples, unit, property and parity tests,
# the docs pages in both languages, notebooks and the strict site build.
#
#   scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,frameworks
exec .venv/bin/python -m pytest "$@"
