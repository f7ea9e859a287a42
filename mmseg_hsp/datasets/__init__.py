from .mtchi import (MTCHI_CLASSES, MTCHI_PALETTE, MTCHIDataset,
                    check_mtchi_mask, mtchi_mask_name)
from .mtchi_patches import (RegionSource, SlideSource, convert_sources,
                            write_cross_validation)
from .synthetic import synthetic_region, write_synthetic_mtchi
from .transforms import LoadMTCHIAnnotations

__all__ = [
    'MTCHI_CLASSES', 'MTCHI_PALETTE', 'MTCHIDataset', 'check_mtchi_mask',
    'mtchi_mask_name', 'RegionSource', 'SlideSource', 'convert_sources',
    'write_cross_validation', 'synthetic_region', 'write_synthetic_mtchi',
    'LoadMTCHIAnnotations'
]
