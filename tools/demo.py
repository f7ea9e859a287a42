"""The demo (`make demo`): HSP-Net learns the synthetic MTCHI on a CPU.

Writes the synthetic MTCHI if absent, trains a small HSP-Net, evaluates it
on the Test regions beside a constant predictor and writes
``metrics.json``, ``predictions/`` and ``predictions.png`` under the work
dir (:mod:`mmseg_hsp.experiments.demo`).

Example::

    python tools/demo.py --work-dir work_dirs/demo   # or --amp fp32
"""
from mmseg_hsp.cli.demo import main

if __name__ == '__main__':
    main()
