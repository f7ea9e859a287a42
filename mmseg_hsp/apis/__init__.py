"""The package from Python, as mmseg's ``apis``: the life cycle of a model.

- :func:`train_model` and :func:`test_model`: what ``tools/train.py`` and
  ``tools/test.py`` run (:mod:`.train`, :mod:`.test`);
- :func:`init_slide_segmenter`, :func:`segment_slide`,
  :func:`segment_slides`: whole slides, what ``tools/infer_wsi.py`` runs
  (:mod:`.slides`).

The slide API needs the ``wsi`` extra (OpenSlide, tifffile, ...): it is
imported on first use, so training and testing need no slide library.
"""
from ..lazy import lazy_exports
from .test import test_model
from .train import train_model

SLIDE_API = ('init_slide_segmenter', 'segment_slide', 'segment_slides',
             'SlideSegmenter', 'ResolutionSpec', 'OutputSpec')
__getattr__ = lazy_exports(__name__, {'.slides': SLIDE_API})

__all__ = ['train_model', 'test_model', *SLIDE_API]
