#!/usr/bin/env bash
# The GPU device check of docs/wsi.md: HSP-Net R101 (tools/benchmarks/wsi.py's
# default on CUDA) at 400/100 on one GPU, our pipeline in float32 and on the
# fast path (channels-last, float16 autocast, blending on the GPU) beside the
# bare forward rate and mmseg's slide_inference, on a 4000x4000 region (1369
# tiles). Random weights: speed only.
# Usage: tools/benchmarks/wsi_gpu.sh [more tools/benchmarks/wsi.py flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
"${PYTHON:-python}" tools/benchmarks/wsi.py \
    --device cuda \
    --height 4000 --width 4000 --batch-size 16 --repeats 3 --threads 4 \
    --memory-height 0 --out work_dirs/bench_wsi_gpu.json "$@"
