"""Crop MTCHI Task 2 regions (or whole slides) into training patches.

Section 4.1: 400x400 patches, stride 100, patches under 20% annotated
(label != 0) dropped. Output: ``<root>/<out-dir>/{Img,Truth}`` in the Task 2
naming (``<name>_<y>_<x>.png``, ``Mask_<name>_<y>_<x>.png``), which
``configs/_base_/datasets/mtchi.py`` trains on (``TrainingPatches``).

Examples::

    # the paper's training patches
    python tools/dataset_converters/mtchi.py data/MTCHI/Task2
    # 4-fold cross-validation (Section 4.4): <root>/CrossVal/
    python tools/dataset_converters/mtchi.py data/MTCHI/Task2 --folds 4
    # whole slides with masks Mask_<slide>.png, read at x10
    python tools/dataset_converters/mtchi.py data/slides_task \\
        --slides slides/ --slide-masks masks/ --magnification 10
"""
from mmseg_hsp.cli.convert_mtchi import main

if __name__ == '__main__':
    main()
