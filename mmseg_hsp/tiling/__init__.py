"""Tiling, blending and tile prediction: the core under ``models`` and ``wsi``.

:func:`blend_tiles` (with :class:`BlendSpec`) is the one tiling-and-blending
implementation of the package, shared by the segmentor test modes
(:class:`~mmseg_hsp.models.TileBlendEncoderDecoder`) and the whole-slide
pipeline (:class:`~mmseg_hsp.wsi.SlideSegmenter`).
:class:`SegmentorPredictor` and :class:`TilePreprocessor` turn an mmseg
segmentor into the ``predict`` callable it blends, run as a
:class:`Precision` says (channels-last, autocast). This subpackage depends on
numpy, torch and mmseg only, never on the rest of ``mmseg_hsp``.
"""
from .blending import (BLEND_MODES, ArrayTiles, Band, BandBlender, BlendSpec,
                       NonFiniteScores, TileWindow, blend_tiles, grid_windows,
                       tile_starts)
from .memory import HeapTrimmer
from .precision import (AMP_CHOICES, Precision, check_device, choose_amp,
                        cpu_bf16_flags)
from .predictor import SegmentorPredictor, TilePreprocessor
from .prefetch import read_ahead

__all__ = [
    'BLEND_MODES', 'ArrayTiles', 'Band', 'BandBlender', 'BlendSpec',
    'NonFiniteScores', 'TileWindow', 'blend_tiles', 'grid_windows',
    'tile_starts', 'HeapTrimmer',
    'AMP_CHOICES', 'Precision', 'check_device', 'choose_amp', 'cpu_bf16_flags', 'SegmentorPredictor', 'TilePreprocessor',
    'read_ahead'
]
