"""Make ``_base_ = 'mmseg_hsp::<cfg>.py'`` resolve to the packaged configs.

mmengine 0.10.7 resolves ``pkg::path`` only for the OpenMMLab packages it
lists (``MODULE2PACKAGE``), only for paths with a folder
(``mmdet::faster_rcnn/x.py``), and from the distribution's install location
(``site-packages/<pkg>``). That location is wrong for a PEP 660 editable
install (what pip >= 25 always makes), where the code stays in the source
tree and site-packages holds only an import hook. So ``mmseg_hsp::`` paths,
with or without a folder, are resolved from the imported package itself
(``mmseg_hsp.__file__``) to ``mmseg_hsp/.mim/configs``: the same files for a
wheel, a classic develop install, a PEP 660 editable install or a plain
``PYTHONPATH`` checkout. Every other package is resolved by mmengine exactly
as before. Active once ``mmseg_hsp`` is imported, as the plugin's tools do
before reading a config.
"""
import os.path as osp

from mmengine.config import Config
from mmengine.utils import check_file_exist

PACKAGE = 'mmseg_hsp'
CONFIGS_DIR = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                       '.mim', 'configs')


def package_config_path(rel_path: str) -> str:
    """The file of ``mmseg_hsp::<rel_path>``.

    Args:
        rel_path (str): Path relative to the configs folder, e.g.
            ``hspnet_r101_mtchi.py`` or ``_base_/datasets/mtchi.py``.

    Returns:
        str: The absolute path under the imported package's ``.mim/configs``.

    Raises:
        FileNotFoundError: If no such config is shipped.
    """
    path = osp.join(CONFIGS_DIR, rel_path)
    check_file_exist(path, f'mmseg_hsp::{rel_path}: no such config in '
                     f'{CONFIGS_DIR}')
    return path


def enable_package_configs() -> None:
    """Install the ``mmseg_hsp::`` lookup (idempotent)."""
    resolve = Config._get_cfg_path
    if getattr(resolve, 'handles_mmseg_hsp', False):
        return

    def get_cfg_path(cfg_path: str, filename: str):
        package, _, rel_path = cfg_path.partition('::')
        if package == PACKAGE and rel_path:
            return package_config_path(rel_path), PACKAGE
        return resolve(cfg_path, filename)

    get_cfg_path.handles_mmseg_hsp = True
    Config._get_cfg_path = staticmethod(get_cfg_path)
