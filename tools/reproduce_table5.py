"""Table 5, produced: train HSP-Net and the baselines, test, tabulate, draw.

Presets: ``cpu`` (the synthetic MTCHI, every network reduced, 3 seeds, on
a CPU), ``paper`` (the paper's configs on ``data/MTCHI/Task2``, for a GPU)
and ``smoke`` (a check that the whole pipeline runs). Runs, logs,
``table5.md``/``.csv`` and the pictures go under ``--work-dir``
(:mod:`mmseg_hsp.experiments.table5`).

Example::

    python tools/reproduce_table5.py --preset cpu   # --amp fp32: float32
"""
from mmseg_hsp.cli.reproduce_table5 import main

if __name__ == '__main__':
    main()
