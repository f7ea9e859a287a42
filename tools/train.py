"""Train a segmentor: mmseg's ``tools/train.py``, flag for flag, with the
plugin loaded.

Examples::

    python tools/train.py configs/hspnet_r101_mtchi.py \\
        --work-dir work_dirs/hspnet
    # go on after a stop (past a checkpoint truncated by a killed run):
    python tools/train.py configs/hspnet_r101_mtchi.py \\
        --work-dir work_dirs/hspnet --resume
    # mixed precision (bfloat16 on a CPU with native bfloat16), overrides:
    python tools/train.py CONFIG --amp --cfg-options train_cfg.max_iters=20
    # 4 processes (GPUs, or CPU cores without CUDA):
    bash tools/dist_train.sh CONFIG 4

Exit code 2 with one line for a user's mistake (``MMSEG_HSP_DEBUG=1``
shows the traceback), 130 on Ctrl-C. The code is
:mod:`mmseg_hsp.cli.train`; from Python, use
:func:`mmseg_hsp.apis.train_model`.
"""
from mmseg_hsp.cli.train import main

if __name__ == '__main__':
    main()
