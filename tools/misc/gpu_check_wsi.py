"""The whole-slide part of tools/gpu_check.sh: tiles/s on a GPU, and its use.

Writes a synthetic pyramidal slide, runs ``tools/infer_wsi.py --amp`` on it
beside the model's bare forward, samples the GPU with ``nvidia-smi`` and
writes ``wsi.json`` under ``--out``; ``--dry-run`` does it on the CPU at
toy sizes (:mod:`mmseg_hsp.benchmarks.gpu_check`).

Example::

    python tools/misc/gpu_check_wsi.py --out $OUT   # on the GPU machine
"""
from mmseg_hsp.cli.gpu_check_wsi import main

if __name__ == '__main__':
    main()
