"""Parameters, FLOPs and speed of HSP-Net beside mmseg's baselines, one run.

Every model built from its config (5 classes, no pretrained weights, plain
BN) and measured on the same random 400x400 batches: parameters, FLOPs of
one image, forward and train-step times per batch size, and their ratios
to ``--baseline``'s (:mod:`mmseg_hsp.benchmarks.models`).

Example::

    python tools/benchmarks/models.py --batch-sizes 2 --iters 3 --amp bf16
"""
from mmseg_hsp.cli.benchmark_models import main

if __name__ == '__main__':
    main()
