"""HSP-Net for cervical precancerous segmentation, as an MMSegmentation plugin.

Importing the package registers its models, datasets, metrics, segmentors,
stain transforms, optimizer wrapper and hooks (:mod:`mmseg_hsp.engine`) into
mmseg's registries, lets torch >= 2.6 resume from mmengine checkpoints
(:mod:`mmseg_hsp.compat.checkpoint`) and lets configs inherit
``mmseg_hsp::<cfg>.py`` (:mod:`_mmseg_hsp_configs`). It runs
in every config (``custom_imports``), so it loads no slide library: the
whole-slide API, :mod:`mmseg_hsp.apis`, is imported on first use
(``mmseg_hsp.apis.init_slide_segmenter(...)`` works after
``import mmseg_hsp``). The tools' shared code is :mod:`mmseg_hsp.cli`.
"""
import importlib
import warnings

# mmengine (imported below) imports setuptools' deprecated pkg_resources: a
# warning on every tool's console that no user of ours can act on.
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from . import datasets, engine, evaluation, models, registry  # noqa: F401,E402
from . import stain  # noqa: F401,E402 (stain augmentation, normalisation)
from .compat import (allow_mmengine_checkpoints,  # noqa: E402
                     enable_package_configs)
from .version import __version__  # noqa: E402

allow_mmengine_checkpoints()
enable_package_configs()

__all__ = ['__version__', 'apis']


def __getattr__(name: str):
    """``mmseg_hsp.apis``, imported when first used (PEP 562)."""
    if name == 'apis':
        return importlib.import_module('.apis', __name__)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
