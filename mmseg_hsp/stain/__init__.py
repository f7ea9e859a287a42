"""Stain variation: H&E augmentation and normalisation.

The maths (:mod:`.hed`, :mod:`.macenko`) needs only numpy, scikit-image,
torchstain and OpenCV (to read a reference image), so the data pipeline
and the whole-slide pipeline can both use it; :mod:`.transforms`
registers it as mmseg transforms (``RandomHEDJitter``,
``StainNormalize``).
"""
from .hed import hed_to_rgb, jitter_hed, perturb_stain_vectors, rgb_to_hed
from .macenko import (DEFAULT_REFERENCE, MacenkoNormalizer,
                      StainEstimationError, StainReferenceError,
                      load_reference)
from .transforms import RandomHEDJitter, StainNormalize

__all__ = [
    'hed_to_rgb', 'jitter_hed', 'perturb_stain_vectors', 'rgb_to_hed',
    'DEFAULT_REFERENCE', 'MacenkoNormalizer', 'StainEstimationError',
    'StainReferenceError', 'load_reference',
    'RandomHEDJitter', 'StainNormalize'
]
