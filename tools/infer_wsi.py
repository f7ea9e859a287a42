"""Segment whole slides: pyramidal label TIFF, GeoJSON, overlay, summary.

Examples::

    python tools/infer_wsi.py configs/hspnet_r101_mtchi.py hspnet.pth \\
        slides/ --out-dir outputs/wsi
    # MTCHI regions (PNG, x10, no metadata), plain averaging at stride 96:
    python tools/infer_wsi.py CONFIG CKPT data/MTCHI/Task2/Test/Img \\
        --input-magnification 10 --mode mean --stride 96 --out-dir out
    # several processes (GPUs), each slide once:
    torchrun --nproc_per_node 4 tools/infer_wsi.py CONFIG CKPT list.txt \\
        --out-dir out --device cuda --amp

    # stain normalisation per slide, to a reference region's stain:
    python tools/infer_wsi.py CONFIG CKPT slides/ --out-dir out \\
        --stain-normalize reference_region.png

Exit code 1 if any slide failed (each failure is one line naming it), 2 if
nothing could be run (bad flags or inputs, a model or stain reference that
cannot be set up, a model that does not fit its checkpoint or has NaN
weights, an --out-dir that cannot be written to or holds finished slides of
another model or other settings), 130 on Ctrl-C and 143 on SIGTERM
(temporaries removed; rerun the same command to go on).
``MMSEG_HSP_DEBUG=1`` shows tracebacks. The code is
:mod:`mmseg_hsp.cli.infer_wsi`; from Python, use :mod:`mmseg_hsp.apis`.
"""
import sys

from mmseg_hsp.cli.infer_wsi import main

if __name__ == '__main__':
    sys.exit(main())
