#!/usr/bin/env bash
# Install everything つながりマップ needs on a fresh Debian 12 machine (as root, or with sudo):
# Debian's PostgreSQL 15 + PostGIS 3, Chromium (for browser tests), Japanese fonts, poppler,
# GDAL's command-line tools (the OGC API tests read /ogc with ogrinfo and ogr2ogr),
# then a virtual environment in .venv with the project installed in it.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(postgresql-15-postgis-3 chromium fonts-noto-cjk poppler-utils python3-venv gdal-bin)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> python venv .venv"
  "$PYTHON" -m venv .venv
fi
echo "==> pip install -e .[test]"
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
echo "==> ready"
