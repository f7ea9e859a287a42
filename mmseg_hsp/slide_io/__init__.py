"""Slide reading, below the slide pipeline (:mod:`mmseg_hsp.wsi`) and the
patch converter (:mod:`mmseg_hsp.datasets`).

* :mod:`.backends`: :func:`open_slide` and the readers behind it;
* :mod:`.dicom`: a DICOM slide is a series of files, with one name;
* :mod:`.fingerprint`: what a slide is (resolved path, sampled bytes);
* :mod:`.resolution`: which level-0 resolutions a scanner can have;
* :mod:`.scale`: the analysis downsample (:func:`resolve_scale`) and frame;
* :mod:`.region`: the frame read at that downsample, row band by band;
* :mod:`.inputs`: the slides that files, folders and list files name.

It imports numpy, OpenCV, :mod:`mmseg_hsp.tiling` and, when a slide needs
them, OpenSlide and tifffile; nothing of the model side.
"""
from .backends import (ImageReader, OpenSlideReader, SlideError, SlideReader,
                       TiffReader, open_slide)
from .inputs import SLIDE_EXTENSIONS, collect_slides
from .region import RowBuffer, ScaledRegion
from .scale import SlideScale, analysis_frame, resolve_scale

__all__ = [
    'ImageReader', 'OpenSlideReader', 'SlideError', 'SlideReader',
    'TiffReader', 'open_slide', 'SLIDE_EXTENSIONS', 'collect_slides',
    'RowBuffer', 'ScaledRegion', 'SlideScale', 'analysis_frame',
    'resolve_scale'
]
