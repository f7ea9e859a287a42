"""Benchmarks behind the tools: the models' size and speed (``models``),
whole-slide inference against mmseg's (``wsi``), stain robustness
(``stain``) and the whole-slide part of the GPU check (``gpu_check``).

Their flags are in :mod:`mmseg_hsp.cli`; ``tools/benchmarks/`` and
``tools/misc/gpu_check_wsi.py`` call them.
"""
