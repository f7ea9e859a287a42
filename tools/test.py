"""Test (and evaluate) a segmentor: mmseg's ``tools/test.py``, flag for
flag, with the plugin loaded, the checkpoint loaded strictly, and ``--amp``.

Examples::

    python tools/test.py configs/hspnet_r101_mtchi.py hspnet.pth \\
        --work-dir work_dirs/test
    # the paper's post-processing ("Post"), in bfloat16:
    python tools/test.py CONFIG CKPT --amp bf16 \\
        --cfg-options model.test_cfg.mode=gauss
    # flips (--tta), predicted masks (--out), painted predictions:
    python tools/test.py CONFIG CKPT --tta --out preds --show-dir vis
    bash tools/dist_test.sh CONFIG CKPT 4

Exit code 2 with one line for a user's mistake (a checkpoint that is
none or does not fit the model, a bad config; ``MMSEG_HSP_DEBUG=1`` shows
the traceback), 130 on Ctrl-C. The code is :mod:`mmseg_hsp.cli.test`; from
Python, use :func:`mmseg_hsp.apis.test_model`.
"""
from mmseg_hsp.cli.test import main

if __name__ == '__main__':
    main()
