#!/usr/bin/env bash
# Set everything up, build the bilingual site (中文 at /, English at /en/) and serve it locally.
#
#   scripts/serve.sh [port]      then open http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh docs
exec .venv/bin/python scripts/serve_site.py --port "${1:-8000}"
