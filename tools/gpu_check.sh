#!/usr/bin/env bash
# GPU readiness check (issue #10), one GPU, figures as JSON under $OUT.
# Usage: OUT=<folder> bash tools/gpu_check.sh [--dry-run]
#   --dry-run: the same steps on the CPU at toy sizes, without nvidia-smi
#   (CI runs it so the script keeps working where no GPU is).
# Steps written so far: whole-slide inference (tools/gpu_check_wsi.py:
# infer_wsi.py --amp tiles/s beside the bare forward, GPU utilisation).
set -euo pipefail
cd "$(dirname "$0")/.."
DRY_RUN=()
if [[ "${1:-}" == "--dry-run" ]]; then
    DRY_RUN=(--dry-run)
elif [[ $# -gt 0 ]]; then
    echo "gpu_check.sh: unknown argument $1; use --dry-run or nothing" >&2
    exit 2
fi
OUT="${OUT:-work_dirs/gpu_check}"
mkdir -p "$OUT"
"${PYTHON:-python}" tools/gpu_check_wsi.py --out "$OUT/wsi" "${DRY_RUN[@]}"
