"""MTCHI: the dataset and its annotation loading (registered in mmseg on
import), the synthetic stand-in, and the converter of regions and slides
into training patches (:mod:`.mtchi_patches`), which reads slides and is
therefore imported on first use (:mod:`mmseg_hsp.lazy`)."""
from ..lazy import lazy_exports
from .mtchi import (MTCHI_CLASSES, MTCHI_PALETTE, MTCHI_TWO_TIER_CLASSES,
                    MTCHI_TWO_TIER_LABELS, MTCHIDataset, MTCHITwoTierDataset,
                    check_mtchi_mask, mtchi_mask_name)
from .synthetic import synthetic_region, write_synthetic_mtchi
from .transforms import LoadMTCHIAnnotations

__all__ = [
    'MTCHI_CLASSES', 'MTCHI_PALETTE', 'MTCHI_TWO_TIER_CLASSES',
    'MTCHI_TWO_TIER_LABELS', 'MTCHIDataset', 'MTCHITwoTierDataset',
    'check_mtchi_mask',
    'mtchi_mask_name', 'RegionSource', 'SlideSource', 'convert_sources',
    'write_cross_validation', 'synthetic_region', 'write_synthetic_mtchi',
    'LoadMTCHIAnnotations'
]
__getattr__ = lazy_exports(
    __name__, {
        '.mtchi_patches': ('RegionSource', 'SlideSource', 'convert_sources',
                           'write_cross_validation')
    })
