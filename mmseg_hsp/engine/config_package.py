"""Make ``_base_ = 'mmseg_hsp::<cfg>.py'`` resolve to the packaged configs.

mmengine 0.10.7 resolves ``pkg::path`` only for the OpenMMLab packages it
lists (``MODULE2PACKAGE``) and only for paths with a folder
(``mmdet::faster_rcnn/x.py``). The lookup function is wrapped so that
``mmseg_hsp::`` paths, with or without a folder, go to the configs shipped in
``mmseg_hsp/.mim/configs``; every other package is resolved by mmengine
exactly as before. Active once ``mmseg_hsp`` is imported, as the plugin's
tools do before reading a config.
"""
import mmengine.config.config as mmengine_config

PACKAGE = 'mmseg_hsp'


def enable_package_configs() -> None:
    """Install the ``mmseg_hsp::`` lookup (idempotent)."""
    resolve = mmengine_config._get_package_and_cfg_path
    if getattr(resolve, 'handles_mmseg_hsp', False):
        return

    def get_package_and_cfg_path(cfg_path: str):
        package, _, rel_path = cfg_path.partition('::')
        if package == PACKAGE:
            return PACKAGE, rel_path
        return resolve(cfg_path)

    get_package_and_cfg_path.handles_mmseg_hsp = True
    mmengine_config._get_package_and_cfg_path = get_package_and_cfg_path
