#!/usr/bin/env bash
# One command: install everything, start the embedded PostGIS, load the 生駒市 demo and
# serve it at http://127.0.0.1:5000 (Ctrl-C stops the web server; `tsunagari db down` stops the database).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/tsunagari db up
.venv/bin/tsunagari db upgrade
.venv/bin/tsunagari demo
exec .venv/bin/tsunagari serve --host 127.0.0.1 --port "${PORT:-5000}"
