"""Benchmark whole-slide inference of HSP-Net against mmseg's slide_inference.

On one synthetic H&E image, the same model and tile/stride: our pipeline
(float32 and the fast path, ``--amp``), mmseg's ``slide_inference``, the
test loop's Gauss blending and the bare forward; then peak memory in fresh
processes (:mod:`mmseg_hsp.benchmarks.wsi`).

Example::

    python tools/benchmarks/wsi.py --out work_dirs/bench_wsi.json
"""
from mmseg_hsp.cli.benchmark_wsi import main

if __name__ == '__main__':
    main()
