"""Cut a lab's own annotated slides into training patches (MTCHI layout).

SLIDES are slide files, folders or list files (as tools/infer_wsi.py takes
them); ANNOTATIONS a folder with one file per slide, named as the slide:
a QuPath GeoJSON export, an ASAP XML file or a label image of class
indices. Output: ``OUT/TrainingPatches``, ``OUT/Test`` (fold 0) and
``OUT/CrossVal`` (k folds, by patient with ``--patients``), 400x400 patches
at x10, stride 100, >= 20% annotated. Train with any shipped config and
``--cfg-options data_root=OUT`` (see docs/own_slides.md).

Examples::

    python tools/dataset_converters/slides.py slides/ annotations/ \\
        --out-dir data/own_slides
    python tools/dataset_converters/slides.py slides/ annotations/ \\
        --out-dir data/own_slides --class-map HSIL=CIN3,LSIL=CIN1 \\
        --ignore-class Tumor --patients patients.csv
"""
import sys

from mmseg_hsp.cli.convert_slides import main

if __name__ == '__main__':
    sys.exit(main())
