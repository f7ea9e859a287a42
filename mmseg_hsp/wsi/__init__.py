"""Whole-slide inference: tissue detection, tiled prediction, outputs.

:class:`SlideSegmenter` reads a slide (:mod:`mmseg_hsp.slide_io`) at the
analysis resolution (:class:`ResolutionSpec`), blends tiles with the
package's one tiling core (:mod:`mmseg_hsp.tiling`,
:class:`~mmseg_hsp.tiling.BlendSpec`) and writes the outputs
(:class:`OutputSpec`). :mod:`mmseg_hsp.apis` is the short way in.
"""
# Slide reading lives in mmseg_hsp.slide_io; these names stay importable
# from here for code written before it moved.
from ..slide_io import SlideError, SlideReader, open_slide, resolve_scale
from .classes import SlideClasses
from .segmenter import SlideSegmenter
from .specs import OutputSpec, ResolutionSpec
from .stain import SlideStain

__all__ = [
    'SlideClasses', 'SlideError', 'SlideReader', 'open_slide',
    'resolve_scale', 'SlideSegmenter', 'OutputSpec', 'ResolutionSpec',
    'SlideStain'
]
