"""Stain variation: H&E augmentation and normalisation.

The maths (:mod:`.hed`, :mod:`.macenko`) needs only numpy, scikit-image,
torchstain and OpenCV (to read a reference image), so the data pipeline
and the whole-slide pipeline can both use it; :mod:`.transforms`
registers it as mmseg transforms (``RandomHEDJitter``,
``StainNormalize``). The maths is imported on first use, so that
``import mmseg_hsp`` registers the transforms without loading scikit-image
and torchstain (:mod:`mmseg_hsp.lazy`), which are the ``stain`` extra
(:mod:`mmseg_hsp.optional`).
"""
from ..lazy import lazy_exports
from .transforms import RandomHEDJitter, StainNormalize

__all__ = [
    'hed_to_rgb', 'jitter_hed', 'perturb_stain_vectors', 'rgb_to_hed',
    'DEFAULT_REFERENCE', 'MacenkoNormalizer', 'StainEstimationError',
    'StainReferenceError', 'load_reference', 'H_AND_E_MAX_ANGLE',
    'second_stain_angle',
    'RandomHEDJitter', 'StainNormalize'
]
__getattr__ = lazy_exports(
    __name__, {
        '.hed': __all__[:4],
        '.macenko': __all__[4:11],
    })
