"""Slide predictions against a pathologist's annotations: per slide and
class Dice, IoU and areas, pooled scores and the highest grade per slide
(docs/wsi.md#evaluating-against-annotations).

Example::

    python tools/analysis/evaluate_slides.py outputs/wsi annotations/ \\
        --out outputs/eval
"""
import sys

from mmseg_hsp.cli.evaluate_slides import main

if __name__ == '__main__':
    sys.exit(main())
