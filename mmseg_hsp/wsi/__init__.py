"""Whole-slide inference: tiling, Gauss-like blending, slide I/O, outputs.

:func:`blend_tiles` (with :class:`BlendSpec`) is the one tiling-and-blending
implementation of the package, shared by :class:`SlideSegmenter` and the
segmentor test mode. OpenSlide is imported only when a slide needs it.
"""
from .blending import (ArrayTiles, Band, BandBlender, BlendSpec, TileWindow,
                       blend_tiles, grid_windows, tile_starts)
from .predictor import SegmentorPredictor, TilePreprocessor
from .reader import SlideError, SlideReader, open_slide, resolve_scale
from .segmenter import SlideSegmenter

__all__ = [
    'ArrayTiles', 'Band', 'BandBlender', 'BlendSpec', 'TileWindow',
    'blend_tiles', 'grid_windows', 'tile_starts', 'SegmentorPredictor',
    'TilePreprocessor', 'SlideError', 'SlideReader', 'open_slide',
    'resolve_scale', 'SlideSegmenter'
]
