"""Labels and mIoU of mixed-precision inference against float32, on a test set.

Runs the config's test loop twice on one checkpoint, float32 and the fast
path (``--amp``, channels-last), reports the share of pixels with the same
label and both mIoU, and exits 1 if the agreement is below
``--min-agreement`` or the mIoU moves by more than ``--max-miou-change``
(:mod:`mmseg_hsp.experiments.amp_agreement`).

Example::

    python tools/analysis/amp_agreement.py \\
        configs/hspnet_r18_synthetic_demo.py work_dirs/demo/iter_1000.pth \\
        --cfg-options model.test_cfg.mode=gauss
"""
import sys

from mmseg_hsp.cli.amp_agreement import main

if __name__ == '__main__':
    sys.exit(main())
