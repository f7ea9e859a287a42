"""A low-resolution tissue mask, so that tiles of bare glass are never run.

H&E-stained tissue is coloured; glass is white or grey and scanner fill is
white or black, all with low saturation. A pixel of the thumbnail is tissue
when its HSV saturation is above Otsu's threshold of the saturation
histogram and above an absolute floor (so that a slide with no tissue,
whose Otsu threshold falls in the noise, comes out empty). The mask is
closed, opened and dilated by one cell so that tissue borders are kept.
"""
import math
from typing import Optional

import cv2
import numpy as np

from ..slide_io import ScaledRegion
from ..tiling import TileWindow

# Saturation (0-255) below which nothing counts as tissue.
MIN_SATURATION = 20
# Analysis pixels per mask cell, and the largest mask side.
MASK_CELL = 16
MASK_MAX_SIDE = 4096


def detect_tissue(rgb: np.ndarray,
                  min_saturation: int = MIN_SATURATION) -> np.ndarray:
    """Tissue pixels of a low-resolution RGB image.

    Args:
        rgb (np.ndarray): ``(h, w, 3)`` uint8 RGB thumbnail.
        min_saturation (int): Saturation floor (0-255). Defaults to 20.

    Returns:
        np.ndarray: ``(h, w)`` bool mask.
    """
    saturation = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[..., 1]
    otsu, _ = cv2.threshold(saturation, 0, 255,
                            cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = (saturation > max(otsu, min_saturation)).astype(np.uint8)
    kernel = np.ones((3, 3), np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    return cv2.dilate(mask, kernel).astype(bool)


class TissueMask:
    """Tissue cells over the analysis frame.

    Args:
        mask (np.ndarray): ``(h, w)`` bool, one cell per ``cell`` x ``cell``
            analysis pixels.
        cell (int): Analysis pixels per mask cell side.
        thumbnail (np.ndarray, optional): ``(h, w, 3)`` uint8 RGB the mask
            was detected on, kept for the slide's stain estimation.
    """

    def __init__(self,
                 mask: np.ndarray,
                 cell: int,
                 thumbnail: Optional[np.ndarray] = None):
        self.mask = mask
        self.cell = cell
        self.thumbnail = thumbnail

    @classmethod
    def from_region(cls,
                    region: ScaledRegion,
                    cell: Optional[int] = None) -> 'TissueMask':
        """Detect tissue on a thumbnail of the analysis frame.

        Args:
            region (ScaledRegion): The frame at the analysis resolution.
            cell (int, optional): Analysis pixels per mask cell. Defaults to
                16, raised so that the mask is at most 4096 cells a side.

        Returns:
            TissueMask: The mask.
        """
        height, width = region.size
        if cell is None:
            cell = max(MASK_CELL, math.ceil(max(height, width) / MASK_MAX_SIDE))
        thumbnail = ScaledRegion(region.reader, region.downsample * cell,
                                 region.frame)
        rgb = thumbnail.read(0, 0, *thumbnail.size)
        return cls(detect_tissue(rgb), cell, rgb)

    @property
    def fraction(self) -> float:
        """float: Share of cells that are tissue."""
        return float(self.mask.mean())

    def has_tissue(self, window: TileWindow) -> bool:
        """Whether a tile window touches tissue.

        Args:
            window (TileWindow): The window in analysis pixels.

        Returns:
            bool: True if any mask cell under the window is tissue.
        """
        y, x, h, w = window
        c = self.cell
        return bool(self.mask[y // c:-(-(y + h) // c),
                              x // c:-(-(x + w) // c)].any())

    def rows(self, top: int, bottom: int, width: int) -> np.ndarray:
        """The mask at analysis resolution for rows ``[top, bottom)``.

        Args:
            top (int): First row.
            bottom (int): One past the last row.
            width (int): Columns of the analysis frame.

        Returns:
            np.ndarray: ``(bottom - top, width)`` bool.
        """
        c = self.cell
        cells = self.mask[top // c:-(-bottom // c)]
        pixels = np.repeat(np.repeat(cells, c, axis=0), c, axis=1)
        offset = top - (top // c) * c
        return pixels[offset:offset + bottom - top, :width]
