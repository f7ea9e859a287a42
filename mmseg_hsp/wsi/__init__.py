"""Whole-slide inference: slide I/O, tissue detection, outputs.

:class:`SlideSegmenter` reads a slide at the analysis resolution
(:class:`ResolutionSpec`), blends tiles with the package's one tiling core
(:mod:`mmseg_hsp.tiling`, :class:`~mmseg_hsp.tiling.BlendSpec`) and writes
the outputs (:class:`OutputSpec`). OpenSlide is imported only when a slide
needs it.
"""
from .classes import SlideClasses
from .reader import SlideError, SlideReader, open_slide, resolve_scale
from .segmenter import SlideSegmenter
from .specs import OutputSpec, ResolutionSpec
from .stain import SlideStain

__all__ = [
    'SlideClasses', 'SlideError', 'SlideReader', 'open_slide',
    'resolve_scale', 'SlideSegmenter', 'OutputSpec', 'ResolutionSpec',
    'SlideStain'
]
