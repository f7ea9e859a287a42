"""HSP-Net for cervical precancerous segmentation, as an MMSegmentation plugin.

Importing the package registers its models, datasets, metrics, segmentors,
stain transforms and optimizer wrapper (:mod:`mmseg_hsp.engine`) into
mmseg's registries, lets torch >= 2.6 resume from mmengine checkpoints
(:mod:`mmseg_hsp.compat.checkpoint`) and lets configs inherit
``mmseg_hsp::<cfg>.py`` (:mod:`mmseg_hsp.compat.package_configs`). The
tools' shared code is :mod:`mmseg_hsp.cli`.
"""
from . import datasets, engine, evaluation, models, registry  # noqa: F401
from . import stain  # noqa: F401 (stain augmentation, normalisation)
from .compat import allow_mmengine_checkpoints, enable_package_configs
from .version import __version__

allow_mmengine_checkpoints()
enable_package_configs()

__all__ = ['__version__']
