"""Experiments behind the tools: the demo, Table 5 (its reproduction and
its report) and the agreement of mixed-precision inference with float32.

Each module holds an experiment's logic; its flags are in
:mod:`mmseg_hsp.cli` and ``tools/`` holds one-line scripts that call them.
The experiments read the repository's ``configs/`` and run its
``tools/train.py`` / ``tools/test.py``: they run from a source checkout.
"""
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
