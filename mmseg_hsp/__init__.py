"""HSP-Net for cervical precancerous segmentation, as an MMSegmentation plugin.

Importing the package registers its models, datasets, metrics, segmentors,
stain transforms and optimizer wrapper (:mod:`mmseg_hsp.engine`) into
mmseg's registries, lets torch >= 2.6 resume from mmengine checkpoints
(:mod:`mmseg_hsp.compat.checkpoint`) and lets configs inherit
``mmseg_hsp::<cfg>.py`` (:mod:`mmseg_hsp.compat.package_configs`). The
tools' shared code is :mod:`mmseg_hsp.cli`.
"""
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

__all__ = ['__version__']
