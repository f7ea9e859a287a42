"""Patches that make the pinned frameworks work with the plugin.

Applied when ``mmseg_hsp`` is imported: torch >= 2.6 loads mmengine 0.10.7's
own checkpoints (:mod:`.checkpoint`), and configs inherit
``mmseg_hsp::<cfg>.py`` (:mod:`.package_configs`).
"""
from .checkpoint import allow_mmengine_checkpoints, mmengine_checkpoint_globals
from .package_configs import enable_package_configs, package_config_path

__all__ = [
    'allow_mmengine_checkpoints', 'mmengine_checkpoint_globals',
    'enable_package_configs', 'package_config_path'
]
