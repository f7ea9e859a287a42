"""Tables like the paper's Table 5 (and Table 2) from training/test runs.

Reads every run mmengine recorded in the given work dirs, one row per work
dir and Post mark, and writes ``table5.{md,csv}`` (and ``crossval.{md,csv}``
for runs on folds) with the paper's rows beside them
(:mod:`mmseg_hsp.experiments.table5_report`).

Example::

    python tools/analysis/table5.py work_dirs/hspnet_r101_mtchi \\
        work_dirs/deeplabv3plus_r101_mtchi --out-dir work_dirs/table5
    # a reproduce_table5 table again from its summary, or its parts' merged
    python tools/analysis/table5.py --summary docs/table5/parts_6400/*.json \\
        --out-dir work_dirs/table5_6400
"""
from mmseg_hsp.cli.table5 import main

if __name__ == '__main__':
    main()
