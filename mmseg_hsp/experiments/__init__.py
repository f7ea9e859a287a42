"""Experiments behind the tools: the demo, Table 5 (its reproduction and
its report) and the agreement of mixed-precision inference with float32.

Each module holds an experiment's logic; its flags are in
:mod:`mmseg_hsp.cli` and ``tools/`` holds one-line scripts that call them.
The experiments read ``configs/`` from :data:`REPO_ROOT` and train and test
through :mod:`mmseg_hsp.apis` (in processes of their own where runs must
not share one: ``python -m mmseg_hsp.cli.train``).
"""
import os.path as osp

_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
# The folder with configs/: a source checkout's root (also under
# an editable install), else the copies an installed wheel ships in
# mmseg_hsp/.mim (mmseg's layout), so the installed commands run too.
REPO_ROOT = osp.dirname(_PACKAGE_DIR)
if not osp.isfile(osp.join(REPO_ROOT, 'configs', 'hspnet_r101_mtchi.py')):
    REPO_ROOT = osp.join(_PACKAGE_DIR, '.mim')
