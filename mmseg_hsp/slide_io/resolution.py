"""How far a slide's resolution is believed: metadata is evidence, not truth.

A level-0 pixel size outside what microscope slide scanners produce is
refused rather than used: image software writes 72 or 96 dpi (352.78 or
264.58 um/px) into files that were never scanned, and reading such a file
"at x10" would up-sample it several hundred times. The range,
0.05-20 um/px, spans an x100 oil objective (about 0.1 um/px) down to the
x0.5 overview images some scanners store (about 20 um/px); as a
magnification (``magnification x mpp = 10``) it is x0.5 to x200.

Independently, the analysis resolution may be finer than level 0 by at most
``MAX_UPSAMPLE`` (x20 scans analysed at x40 are fine, x2.5 at x10 is not):
a model cannot see detail the scanner did not record, and the label map
would grow with the square of the factor.
"""
import math
from typing import Optional

# Level-0 microns per pixel of microscope slide scanners (see above).
LEVEL0_MPP_RANGE = (0.05, 20.0)
# The most the analysis resolution may be finer than level 0.
MAX_UPSAMPLE = 2.0
MICRONS_PER_INCH = 25400.0
# Slides are scanned at x40 ~ 0.25 um/px, x20 ~ 0.5, x10 ~ 1.0: the product
# of magnification and microns per pixel, used to convert when a slide
# reports only one of the two.
MAGNIFICATION_X_MPP = 10.0


def implausible_mpp(mpp: float) -> Optional[str]:
    """Why a level-0 pixel size is not a scanner's, or None if it may be.

    Args:
        mpp (float): Microns per level-0 pixel.

    Returns:
        str | None: A reason such as ``'352.78 um/px (72 dpi, a default of
        image software) is outside 0.05-20 um/px, what slide scanners
        produce'``.
    """
    low, high = LEVEL0_MPP_RANGE
    if math.isfinite(mpp) and low <= mpp <= high:
        return None
    what = f'{mpp:.2f} um/px'
    dpi = MICRONS_PER_INCH / mpp if mpp > 0 else 0
    if dpi >= 1 and abs(dpi - round(dpi)) < 0.01:
        what += f' ({round(dpi)} dpi, a default of image software)'
    return (f'{what} is outside {low:g}-{high:g} um/px, what slide scanners '
            'produce')


def implausible_magnification(magnification: float) -> Optional[str]:
    """Why a level-0 magnification is not a scanner's, or None if it may be.

    Args:
        magnification (float): Objective power of level 0.

    Returns:
        str | None: The reason, in the terms of :func:`implausible_mpp`.
    """
    low, high = (MAGNIFICATION_X_MPP / mpp for mpp in LEVEL0_MPP_RANGE[::-1])
    if math.isfinite(magnification) and low <= magnification <= high:
        return None
    return (f'x{magnification:g} is outside x{low:g}-x{high:g}, what slide '
            'scanners produce')
