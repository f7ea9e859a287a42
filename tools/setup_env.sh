#!/usr/bin/env bash
# Set up (or check) the environment for mmseg_hsp in $PYTHON (default python3;
# `make` passes the active virtualenv or conda env, else the project's .venv).
#   - keeps an installed torch (a CUDA build on a GPU machine), else installs
#     torch==2.13.0 (never lets pip resolve a bare `torch`);
#   - builds mmcv 2.1.0 with its ops against that torch (no wheel exists for
#     recent torch): MMCV_WITH_OPS=1, no build isolation, setuptools>=77,<82
#     (the build and mmengine's `mmseg::` configs need pkg_resources); with
#     CUDA hidden, so only the CPU ops are compiled: no model here uses mmcv's
#     CUDA kernels, and compiling them for a new CUDA is slow and may fail.
#     MMCV_CUDA_OPS=1 builds the CUDA kernels too (on a CUDA machine);
#   - installs this package editable with its test extra.
# Idempotent; with pip's wheel cache warm it takes well under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
pip_install() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }
has() { "$PY" -c "$1" >/dev/null 2>&1; }
build_mmcv() { # pip flags; CUDA hidden unless MMCV_CUDA_OPS=1
    if [ "${MMCV_CUDA_OPS:-0}" = 1 ]; then
        export FORCE_CUDA=1
    else
        export CUDA_VISIBLE_DEVICES= FORCE_CUDA=0
    fi
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} pip_install --no-build-isolation "$@" mmcv==2.1.0
}

if has 'import torch'; then
    echo "[setup] torch $("$PY" -c 'import torch; print(torch.__version__)') already installed: kept"
else
    echo "[setup] installing torch==2.13.0"
    pip_install torch==2.13.0
fi

if ! has 'import setuptools, pkg_resources, sys; v = tuple(map(int, setuptools.__version__.split(".")[:2])); sys.exit(not (77, 0) <= v < (82, 0))'; then
    pip_install 'setuptools>=77,<82' wheel
fi
has 'import ninja' || pip_install ninja

mmcv_ok='import mmcv, mmcv.ops; assert mmcv.__version__ == "2.1.0"'
if ! has "$mmcv_ok"; then
    echo "[setup] building mmcv 2.1.0 with ops (about 6 min on 2 cores; seconds from pip's wheel cache)"
    pip_install mmengine==0.10.7
    (build_mmcv)
    if ! has "$mmcv_ok"; then
        # A cached wheel built against another torch fails to load: rebuild.
        echo "[setup] cached mmcv does not load with this torch: rebuilding"
        (build_mmcv --no-cache-dir --force-reinstall --no-deps)
    fi
fi

echo "[setup] installing mmseg_hsp (editable, with tests extra)"
pip_install --no-build-isolation -e '.[tests]'
"$PY" -c 'import mmseg_hsp, mmcv.ops; print("[setup] ready: mmseg_hsp", mmseg_hsp.__version__)'
