"""Reading a slide's analysis frame at a downsample, row band by row band.

:class:`ScaledRegion` reads the frame at the analysis downsample from the
nearest finer pyramid level (resampling with area interpolation when no
level matches), and :class:`RowBuffer` keeps the rows the tiles of the
current band need.
"""
import math
import threading
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from ..tiling import TileWindow
from .backends import WHITE_RGB, SlideReader

# Largest side, in source pixels, of one block read from a slide.
READ_BLOCK = 4096


class ScaledRegion:
    """A level-0 rectangle of a slide, read at a given downsample.

    Reads come from the coarsest pyramid level that is not coarser than the
    downsample, resized with area interpolation when its downsample differs
    (no resampling when a level matches, as x10 from a x40 scan's 4x level).
    Large reads go block by block so that no more than ``READ_BLOCK``
    source pixels a side are decoded at once.

    Args:
        reader (SlideReader): The slide.
        downsample (float): Level-0 pixels per output pixel.
        frame (tuple[int, int, int, int]): ``(x, y, width, height)`` in
            level-0 pixels.
    """

    def __init__(self, reader: SlideReader, downsample: float,
                 frame: Tuple[int, int, int, int]):
        self.reader = reader
        self.downsample = downsample
        self.frame = frame
        fits = [
            i for i, d in enumerate(reader.level_downsamples)
            if d <= downsample * (1 + 1e-6)
        ]
        self.level = max(fits, key=lambda i: reader.level_downsamples[i],
                         default=0)
        self.scale = downsample / reader.level_downsamples[self.level]
        _, _, width, height = frame
        self.size = (max(1, math.ceil(height / downsample)),
                     max(1, math.ceil(width / downsample)))

    def read(self, top: int, left: int, height: int,
             width: int) -> np.ndarray:
        """Read output pixels ``[top, top+height) x [left, left+width)``.

        Args:
            top (int): First row, in output pixels from the frame's origin.
            left (int): First column.
            height (int): Rows.
            width (int): Columns.

        Returns:
            np.ndarray: ``(height, width, 3)`` uint8 RGB.
        """
        out = np.empty((height, width, 3), np.uint8)
        block = max(1, int(READ_BLOCK // math.ceil(self.scale)))
        for y in range(0, height, block):
            for x in range(0, width, block):
                h, w = min(block, height - y), min(block, width - x)
                out[y:y + h, x:x + w] = self._read_block(top + y, left + x, h,
                                                         w)
        return out

    def _read_block(self, top, left, height, width):
        x0, y0 = self.frame[:2]
        location = (int(round(x0 + left * self.downsample)),
                    int(round(y0 + top * self.downsample)))
        if abs(self.scale - 1) < 1e-6:
            return self.reader.read_region(location, self.level,
                                           (width, height))
        size = (max(1, int(round(width * self.scale))),
                max(1, int(round(height * self.scale))))
        pixels = self.reader.read_region(location, self.level, size)
        return cv2.resize(pixels, (width, height),
                          interpolation=cv2.INTER_AREA)


class RowBuffer:
    """The rows of a :class:`ScaledRegion` that the current tiles need.

    Rows are read on demand, ``chunk_rows`` at a time, and dropped by
    :meth:`release`, so memory is ``(tile_h + chunk_rows) x width`` pixels.
    Rows no tile needs (no tissue) are skipped unread. Windows reaching past
    the region's edge are padded with ``pad_rgb``. Which pixels are pure
    black is noted as rows are read and kept until released, so that
    :meth:`black` answers for rows whose pixels were already dropped.
    Thread-safe: tiles may be read ahead in a worker thread while the
    caller releases rows and asks for black pixels.

    Args:
        region (ScaledRegion): What is read.
        chunk_rows (int): Rows read at once (the tile stride is a good
            value).
        pad_rgb (Sequence[int]): Fill past the region's edge. Defaults to
            white (glass).
    """

    def __init__(self, region: ScaledRegion, chunk_rows: int,
                 pad_rgb: Sequence[int] = WHITE_RGB):
        self.region = region
        self.chunk_rows = chunk_rows
        self.pad_rgb = np.asarray(pad_rgb, np.uint8)
        self.height, self.width = region.size
        self.top = 0
        self._rows = np.empty((0, self.width, 3), np.uint8)
        self._black: List[Tuple[int, np.ndarray]] = []
        self._lock = threading.RLock()

    def rows(self, top: int, bottom: int) -> np.ndarray:
        """Rows ``[top, bottom)`` (within the region), read if needed.

        Args:
            top (int): First row; not above rows already read past.
            bottom (int): One past the last row.

        Returns:
            np.ndarray: ``(bottom - top, W, 3)`` uint8 view.
        """
        with self._lock:
            return self._rows_locked(top, bottom)

    def _rows_locked(self, top: int, bottom: int) -> np.ndarray:
        end = self.top + len(self._rows)
        if top >= end:  # rows in between are skipped unread
            self.top, end = top, top
            self._rows = self._rows[:0]
        elif top < self.top:
            raise ValueError(f'rows from {top} were already dropped')
        if bottom > end:
            stop = min(self.height, max(bottom, end + self.chunk_rows))
            new = self.region.read(end, 0, stop - end, self.width)
            self._black.append((end, ~new.any(axis=2)))
            self._rows = np.concatenate([self._rows, new])
        return self._rows[top - self.top:bottom - self.top]

    def tiles(self, windows: Sequence[TileWindow]) -> np.ndarray:
        """Pixels of tile windows.

        Args:
            windows (Sequence[TileWindow]): Windows of one size, in raster
                order.

        Returns:
            np.ndarray: ``(N, tile_h, tile_w, 3)`` uint8 RGB.
        """
        _, _, th, tw = windows[0]
        batch = np.empty((len(windows), th, tw, 3), np.uint8)
        batch[:] = self.pad_rgb
        for i, (y, x, _, _) in enumerate(windows):
            h, w = min(th, self.height - y), min(tw, self.width - x)
            batch[i, :h, :w] = self.rows(y, y + h)[:, x:x + w]
        return batch

    def black(self, top: int, bottom: int) -> np.ndarray:
        """Where rows ``[top, bottom)`` are pure black (0, 0, 0).

        Args:
            top (int): First row.
            bottom (int): One past the last row.

        Returns:
            np.ndarray: ``(bottom - top, W)`` bool; False on rows never read.
        """
        out = np.zeros((bottom - top, self.width), bool)
        with self._lock:
            black = list(self._black)
        for start, mask in black:
            lo, hi = max(top, start), min(bottom, start + len(mask))
            if lo < hi:
                out[lo - top:hi - top] = mask[lo - start:hi - start]
        return out

    def release(self, row: int) -> None:
        """Forget rows above ``row``.

        Args:
            row (int): First row still needed.
        """
        with self._lock:
            drop = min(max(0, row - self.top), len(self._rows))
            if drop:
                self._rows = self._rows[drop:].copy()
                self.top += drop
            self._black = [(start, mask) for start, mask in self._black
                           if start + len(mask) > row]
