#!/usr/bin/env bash
# One command: install everything, then run the whole test suite against a throwaway
# embedded PostGIS (tests/conftest.py starts it under var/test-pg and removes it after).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
