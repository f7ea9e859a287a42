#!/usr/bin/env bash
# Usage: tools/make_venv.sh DIR
# Make the project's virtualenv (what `make` uses when no virtualenv or conda
# env is active) from BASE_PYTHON (default python3), with pip in it.
# Debian and Ubuntu ship python3's ensurepip separately (python3-venv): there
# the virtualenv is made without pip, and pip is put in by the system's pip
# if there is one, else by PyPA's get-pip.py.
set -euo pipefail
DIR=$1
BASE=${BASE_PYTHON:-python3}
echo "[venv] making $DIR from $(command -v "$BASE")"
if "$BASE" -m venv "$DIR"; then
    exit 0
fi
echo "[venv] no ensurepip here: making $DIR without pip, then adding pip"
rm -rf "$DIR"
"$BASE" -m venv --without-pip "$DIR"
if "$BASE" -m pip --version >/dev/null 2>&1; then
    "$BASE" -m pip --python "$DIR/bin/python" install -q pip
else
    "$DIR/bin/python" -c 'import sys, urllib.request
exec(urllib.request.urlopen("https://bootstrap.pypa.io/get-pip.py").read())' -q
fi
