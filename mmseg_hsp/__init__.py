"""HSP-Net for cervical precancerous segmentation, as an MMSegmentation plugin.

Importing the package registers its models, datasets, metrics and segmentors
into mmseg's registries, and lets torch >= 2.6 resume from mmengine
checkpoints (see :mod:`mmseg_hsp.engine.checkpoint`).
"""
from . import datasets, evaluation, models  # noqa: F401 (registration)
from .engine import allow_mmengine_checkpoints
from .version import __version__

allow_mmengine_checkpoints()

__all__ = ['__version__']
