"""Generate a synthetic MTCHI Task 2 set (see mmseg_hsp/datasets/synthetic.py).

Example::

    python tools/dataset_converters/make_synthetic_mtchi.py \\
        data/synthetic_mtchi/Task2 --num-train 96 --num-test 16 --size 256

``--test-stains lab-b scanner`` (or ``all``) also renders the Test regions
under those held-out stains, in ``Test-<stain>/`` (docs/stain.md).
"""
from mmseg_hsp.cli.make_synthetic_mtchi import main

if __name__ == '__main__':
    main()
