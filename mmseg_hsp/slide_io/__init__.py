"""Slide reading, below the slide pipeline (:mod:`mmseg_hsp.wsi`) and the
patch converter (:mod:`mmseg_hsp.datasets`)."""
from .backends import (ImageReader, OpenSlideReader, RowBuffer, ScaledRegion,
                       SlideError, SlideReader, SlideScale, TiffReader,
                       analysis_frame, open_slide, resolve_scale)

__all__ = [
    'ImageReader', 'OpenSlideReader', 'RowBuffer', 'ScaledRegion',
    'SlideError', 'SlideReader', 'SlideScale', 'TiffReader', 'analysis_frame',
    'open_slide', 'resolve_scale'
]
