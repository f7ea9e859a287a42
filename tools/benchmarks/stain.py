"""Stain robustness of the demo HSP-Net: augmentation and normalisation.

Trains the demo model with and without ``RandomHEDJitter``, tests both on
the synthetic Test regions under the original and held-out stains, with
and without ``StainNormalize``, and writes ``stain_table.md``/``.csv``,
``stain_results.json`` and ``stain_predictions.png``
(:mod:`mmseg_hsp.benchmarks.stain`).

Example::

    python tools/benchmarks/stain.py --work-dir work_dirs/benchmark_stain
"""
from mmseg_hsp.cli.benchmark_stain import main

if __name__ == '__main__':
    main()
