#!/usr/bin/env bash
# k-fold cross-validation (Section 4.4) of any MTCHI config, one training
# per fold, on the folds written by
#     python tools/dataset_converters/mtchi.py data/MTCHI/Task2 --folds 4
# (fold 0 = the official Test set). Each fold trains on the patches of the
# other folds' regions and is evaluated on its own whole regions.
#
# Usage: tools/misc/crossval_train.sh CONFIG [FOLDS] [train.py flags...]
#   Extra --cfg-options go in $CFG_OPTIONS (train.py keeps only one list).
#   Work dirs: work_dirs/<config name>_crossval/fold<k> ($WORK_ROOT to change);
#   then: python tools/analysis/table5.py work_dirs/<name>_crossval/fold*
set -euo pipefail
CONFIG=$1
FOLDS=${2:-4}
shift $(($# < 2 ? $# : 2))
PYTHON=${PYTHON:-python}
WORK_ROOT=${WORK_ROOT:-work_dirs/$(basename "$CONFIG" .py)_crossval}
for ((k = 0; k < FOLDS; k++)); do
    split=CrossVal/splits/fold$k
    eval_set=()
    for loader in val_dataloader test_dataloader; do
        eval_set+=("$loader.dataset.data_prefix.img_path=CrossVal/Regions/Img"
            "$loader.dataset.data_prefix.seg_map_path=CrossVal/Regions/Truth"
            "$loader.dataset.ann_file=${split}_test.txt")
    done
    # shellcheck disable=SC2086 (CFG_OPTIONS is a list of words)
    "$PYTHON" "$(dirname "$0")/../train.py" "$CONFIG" \
        --work-dir "$WORK_ROOT/fold$k" "$@" --cfg-options \
        train_dataloader.dataset.data_prefix.img_path=CrossVal/Patches/Img \
        train_dataloader.dataset.data_prefix.seg_map_path=CrossVal/Patches/Truth \
        "train_dataloader.dataset.ann_file=${split}_train.txt" \
        "${eval_set[@]}" ${CFG_OPTIONS:-}
done
