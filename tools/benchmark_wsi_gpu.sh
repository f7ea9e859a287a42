#!/usr/bin/env bash
# The GPU device check of docs/wsi.md: HSP-Net R101 at 400/100 with AMP on one
# GPU, our pipeline beside the bare forward rate (and mmseg's slide_inference),
# on a 4000x4000 region (1369 tiles). Random weights: speed only.
# Usage: tools/benchmark_wsi_gpu.sh [more benchmark_wsi.py flags]
set -euo pipefail
cd "$(dirname "$0")/.."
"${PYTHON:-python}" tools/benchmark_wsi.py \
    --config configs/hspnet_r101_mtchi.py --device cuda --amp \
    --height 4000 --width 4000 --batch-size 16 --repeats 3 --threads 4 \
    --memory-height 0 --out work_dirs/bench_wsi_gpu.json "$@"
