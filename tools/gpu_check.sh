#!/usr/bin/env bash
# The GPU check (issue #10), prepared for one GPU machine without network:
# Python 3.12 with torch (CUDA), numpy, opencv-python-headless, tifffile, rich
# and scikit-image, and none of mmengine, mmcv, mmseg or OpenSlide.
#
#   tools/gpu_check.sh --download   # here, with network: fill .gpu_wheels/
#   tools/gpu_check.sh              # there: install, test, train, infer
#   tools/gpu_check.sh --dry-run    # CI, on CPU: every step at tiny sizes,
#                                   # nothing installed
#
# --download fills the git-ignored .gpu_wheels/ (it travels with the working
# tree) with wheels for Python 3.12 of what the machine lacks and mmcv
# 2.1.0's sdist, and fails if they exceed 64 MiB. The check then
#   1. installs them offline (--no-deps: the machine's torch, numpy and
#      opencv-python-headless are kept) and builds mmcv's ops with CUDA
#      hidden (no model here uses mmcv's CUDA kernels);
#   2. runs the tests that concern models, protocols and the slide
#      pipeline ($GPU_CHECK_TESTS);
#   3. trains HSP-Net R101 (paper config, --amp) and the paper-sized
#      DeepLab v3+ for 40 iterations at batch 16 on synthetic 400x400
#      patches (images/s each, from mmengine's iteration times);
#   4. runs tools/infer_wsi.py --amp on a synthetic pyramidal slide of
#      20,000 x 20,000 px beside the bare forward on the same GPU, sampling
#      GPU utilisation with nvidia-smi (tools/misc/gpu_check_wsi.py);
# and writes $OUT/gpu_check.json (OUT defaults to work_dirs/gpu_check).
# Budget: under 8 minutes in all on one H100 with 16 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WHEELS=.gpu_wheels
OUT=${OUT:-work_dirs/gpu_check}
MODE=${1:-check}
# What the GPU machine lacks, for Python 3.12 (mmengine, mmseg and their
# pure dependencies; matplotlib for mmengine's visualizer; setuptools,
# wheel and ninja to build mmcv).
WHEEL_SPECS=(mmengine==0.10.7 mmsegmentation==1.2.2 addict yapf platformdirs
    termcolor pyyaml matplotlib contourpy cycler fonttools kiwisolver
    pyparsing python-dateutil six prettytable wcwidth ftfy regex packaging
    'setuptools>=77,<82' wheel ninja)
GPU_CHECK_TESTS=${GPU_CHECK_TESTS:-"tests/models/test_models_hspnet.py tests/tiling/test_post_processing.py tests/evaluation/test_mtchi_protocol.py tests/wsi/test_wsi_segmenter.py"}

case $MODE in
--download)
    rm -rf "$WHEELS" && mkdir -p "$WHEELS"
    "$PY" -m pip download --disable-pip-version-check -q -d "$WHEELS" \
        --python-version 3.12 --platform manylinux2014_x86_64 \
        --only-binary=:all: --no-deps "${WHEEL_SPECS[@]}"
    "$PY" -m pip download --disable-pip-version-check -q -d "$WHEELS" \
        --no-binary :all: --no-deps mmcv==2.1.0
    size=$(du -sm "$WHEELS" | cut -f1)
    echo "[gpu_check] $WHEELS: $(ls "$WHEELS" | wc -l) files, ${size} MiB"
    if ((size > 64)); then
        echo "error: $WHEELS exceeds the 64 MiB a device run carries" >&2
        exit 1
    fi
    exit 0
    ;;
--dry-run)
    DRY=1
    DEVICE=cpu
    ;;
check)
    DRY=0
    DEVICE=cuda
    ;;
*)
    echo "gpu_check.sh: unknown argument $1; use --download, --dry-run or nothing" >&2
    exit 2
    ;;
esac

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SCRATCH=$OUT/scratch
mkdir -p "$SCRATCH"
start=$(date +%s)
stamp() { echo "[gpu_check] $(($(date +%s) - start)) s: $*"; }

if ((DRY)); then
    # CPU: tiny patches and slide, 2 iterations of batch 2, no install.
    PATCH=64 ITERS=2 BATCH=2 AMP=() TESTS=(--collect-only)
else
    PATCH=400 ITERS=40 BATCH=16 AMP=(--amp)
    read -ra TESTS <<<"$GPU_CHECK_TESTS"
    ls "$WHEELS"/mmcv-2.1.0.tar.gz >/dev/null 2>&1 || {
        echo "error: $WHEELS/ has no mmcv sdist; run tools/gpu_check.sh --download on a machine with network first" >&2
        exit 1
    }
    # The machine's Python may be a system one (PEP 668): install anyway,
    # it is a throw-away machine.
    export PIP_BREAK_SYSTEM_PACKAGES=1
    "$PY" -m pip install --disable-pip-version-check -q --no-index --no-deps \
        "$WHEELS"/*.whl
    # mmcv's ops built for the CPU only: CUDA hidden (see setup_env.sh).
    CUDA_VISIBLE_DEVICES= FORCE_CUDA=0 MMCV_WITH_OPS=1 MAX_JOBS=$(nproc) \
        "$PY" -m pip install --disable-pip-version-check -q --no-index \
        --no-deps --no-build-isolation "$WHEELS"/mmcv-2.1.0.tar.gz
    "$PY" -m pip install --disable-pip-version-check -q --no-index --no-deps \
        --no-build-isolation -e .
    stamp "installed"
fi
"$PY" -c 'import mmseg_hsp, mmcv.ops, torch; print("[gpu_check] torch", torch.__version__, "cuda", torch.cuda.is_available())'

OMP_NUM_THREADS=${OMP_NUM_THREADS:-4} "$PY" -m pytest -q -x \
    -p no:cacheprovider "${TESTS[@]}" >"$OUT/tests.log" 2>&1 || {
    tail -20 "$OUT/tests.log"
    exit 1
}
stamp "tests: $(tail -1 "$OUT/tests.log")"

# Synthetic 400 px patches: BATCH * ITERS of them for one epoch.
"$PY" - "$SCRATCH/Task2" "$PATCH" "$((BATCH * ITERS))" <<'EOF'
import os.path as osp
import sys

from mmseg_hsp.datasets import write_synthetic_mtchi
from mmseg_hsp.datasets.mtchi_patches import convert_regions

root, patch, needed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if not osp.isdir(osp.join(root, 'TrainingPatches')):
    # 2 x 2 patch regions cut at a quarter-patch stride: up to 25 each.
    regions = needed // 16 + 2
    write_synthetic_mtchi(root, regions, 1, (2 * patch, 2 * patch))
    convert_regions(osp.join(root, 'Training'),
                    osp.join(root, 'TrainingPatches'),
                    patch_size=patch, stride=patch // 4, progress=False)
EOF
stamp "synthetic patches written"

train() { # name config
    local work=$SCRATCH/$1
    rm -rf "$work"
    "$PY" tools/train.py "$2" --work-dir "$work" "${AMP[@]}" --cfg-options \
        "train_dataloader.dataset.data_root=$SCRATCH/Task2" \
        "train_dataloader.dataset.indices=$((BATCH * ITERS))" \
        "total_batch_size=$BATCH" train_cfg.max_epochs=1 \
        val_cfg=None val_dataloader=None val_evaluator=None \
        model.backbone.init_cfg=None "model.data_preprocessor.size=($PATCH,$PATCH)" \
        default_hooks.logger.interval=$((ITERS < 10 ? 1 : 10)) \
        default_hooks.logger.log_metric_by_epoch=False \
        train_dataloader.num_workers=$((DRY ? 0 : 8)) \
        train_dataloader.persistent_workers=$((DRY ? 0 : 1)) \
        >"$OUT/train_$1.log" 2>&1 || {
        tail -20 "$OUT/train_$1.log"
        exit 1
    }
    stamp "trained $1"
}
train hspnet_r101 configs/hspnet_r101_mtchi.py
train deeplabv3plus configs/deeplabv3plus_r101-os16_paper_mtchi.py

# Whole-slide inference (tools/misc/gpu_check_wsi.py): a synthetic pyramidal
# slide of 20,000 x 20,000 px, infer_wsi.py --amp on it beside the model's
# bare forward on the same GPU, nvidia-smi sampled; its wsi.json is embedded
# in gpu_check.json.
WSI_ARGS=()
((DRY)) && WSI_ARGS=(--dry-run)
"$PY" tools/misc/gpu_check_wsi.py --out "$OUT/wsi" "${WSI_ARGS[@]}" \
    >"$OUT/wsi.log" 2>&1 || {
    tail -20 "$OUT/wsi.log"
    exit 1
}
stamp "slide inferred"

"$PY" - "$OUT" "$SCRATCH" "$BATCH" "$((DRY))" "$(($(date +%s) - start))" <<'EOF'
import glob
import json
import sys

import torch

out, scratch, batch, dry, seconds = sys.argv[1:]


def images_per_second(name):
    """From mmengine's per-interval iteration times, the first left out."""
    (scalars, ) = glob.glob(f'{scratch}/{name}/*/vis_data/scalars.json')
    with open(scalars) as f:
        times = [json.loads(line)['time'] for line in f if '"time"' in line]
    times = times[1:] or times
    return round(int(batch) * len(times) / sum(times), 1)


with open(f'{out}/wsi/wsi.json') as f:
    wsi = json.load(f)
result = dict(
    dry_run=bool(int(dry)),
    device=torch.cuda.get_device_name(0) if torch.cuda.is_available() else
    'cpu',
    torch=torch.__version__,
    batch=int(batch),
    train_images_per_second=dict(
        hspnet_r101_amp=images_per_second('hspnet_r101'),
        deeplabv3plus_paper=images_per_second('deeplabv3plus')),
    infer_wsi=wsi,
    seconds=int(seconds))
with open(f'{out}/gpu_check.json', 'w') as f:
    json.dump(result, f, indent=2)
print(json.dumps(result))
EOF
stamp "written $OUT/gpu_check.json"
