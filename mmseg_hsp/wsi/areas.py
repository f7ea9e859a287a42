"""The pixel size areas are measured in: known, or nominal and said so.

Areas are always given: from the pixel size when it is known (the slide
records it, or the user gives ``--input-mpp``), else from the magnification
at the nominal ``10 / magnification`` um per pixel (x10 = 1 um/px, what
scanners' objectives give, but not measured), recorded as nominal in the
summary, the TIFFs' description and the report.
"""
from dataclasses import asdict, dataclass
from typing import Optional

from ..slide_io.resolution import MAGNIFICATION_X_MPP

# Where the pixel size of the areas came from (PixelSize.source).
PIXEL_SIZE_SOURCES = dict(
    metadata="the slide's recorded pixel size",
    input_mpp='--input-mpp',
    nominal='nominal: 10 / magnification, as no pixel size is known; '
    'pass --input-mpp for exact areas')


@dataclass(frozen=True)
class PixelSize:
    """Microns per analysis pixel, and how far it is known.

    Args:
        mpp (float): Microns per analysis pixel.
        source (str): ``'metadata'`` (the slide records it),
            ``'input_mpp'`` (the user gave the level-0 pixel size) or
            ``'nominal'`` (only a magnification is known: ``10 /
            magnification``, what scanners' x10, x20 and x40 objectives
            give, but not measured).
    """
    mpp: float
    source: str

    @property
    def nominal(self) -> bool:
        """bool: Whether the pixel size is the nominal one."""
        return self.source == 'nominal'

    def describe(self) -> str:
        """str: ``'1 um/px (nominal: ...)'``, for reports."""
        return f'{self.mpp:g} um/px ({PIXEL_SIZE_SOURCES[self.source]})'

    def to_dict(self) -> dict:
        """dict: ``mpp``, ``source`` and ``nominal``, for summaries."""
        return dict(asdict(self), nominal=self.nominal)


def area_pixel_size(mpp: Optional[float], magnification: Optional[float],
                    input_mpp_given: bool) -> PixelSize:
    """The pixel size areas are measured in.

    Args:
        mpp (float, optional): Microns per analysis pixel, when known.
        magnification (float, optional): The analysis magnification, when
            known (one of the two always is: a slide with neither is
            refused before it is read).
        input_mpp_given (bool): Whether ``mpp`` comes from the user's
            level-0 pixel size rather than the slide's metadata.

    Returns:
        PixelSize: The known pixel size, else the nominal one.
    """
    if mpp is not None:
        return PixelSize(mpp, 'input_mpp' if input_mpp_given else 'metadata')
    return PixelSize(MAGNIFICATION_X_MPP / magnification, 'nominal')
