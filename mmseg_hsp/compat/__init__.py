"""Patches that make the pinned frameworks work with the plugin.

Applied when ``mmseg_hsp`` is imported: torch >= 2.6 loads mmengine 0.10.7's
own checkpoints (:mod:`.checkpoint`), and configs inherit
``mmseg_hsp::<cfg>.py``. The latter lives in the top-level, stdlib-only
module :mod:`_mmseg_hsp_configs`, which an install's ``.pth`` file loads at
start-up, before any config is read; ``import mmseg_hsp`` enables it as
well (a checkout on ``PYTHONPATH`` has no ``.pth`` file).
"""
from _mmseg_hsp_configs import config_file
from _mmseg_hsp_configs import install as enable_package_configs
from _mmseg_hsp_configs import package_config_path

from .checkpoint import allow_mmengine_checkpoints, mmengine_checkpoint_globals

__all__ = [
    'allow_mmengine_checkpoints', 'mmengine_checkpoint_globals',
    'config_file', 'enable_package_configs', 'package_config_path'
]
