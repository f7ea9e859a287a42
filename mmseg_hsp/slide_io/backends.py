"""Slide readers and reading a slide at the analysis resolution.

Three readers share one interface (:class:`SlideReader`: a pyramid of RGB
levels addressed in level-0 pixels, a fill colour, by default white glass,
past the slide's edge and where it was not scanned):

* :class:`OpenSlideReader` for every format OpenSlide detects (Aperio,
  Hamamatsu, MIRAX, generic tiled TIFF, ...);
* :class:`TiffReader` (tifffile) for other TIFFs, e.g. untiled regions;
* :class:`ImageReader` (OpenCV) for PNG/JPEG regions such as MTCHI crops.

:func:`resolve_scale` turns a target magnification or microns per pixel
into a downsample from level 0, :class:`ScaledRegion` reads the analysis
frame at that downsample from the nearest finer pyramid level (resampling
with area interpolation when no level matches), and :class:`RowBuffer`
keeps the rows the tiles of the current band need.
"""
import math
import os.path as osp
import threading
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..tiling import TileWindow
from .dicom import first_dicom_file
from .resolution import (MAGNIFICATION_X_MPP, MAX_UPSAMPLE,
                         implausible_magnification, implausible_mpp)

WHITE = 255
WHITE_RGB = (WHITE, WHITE, WHITE)
# Largest side, in source pixels, of one block read from a slide.
READ_BLOCK = 4096


class SlideError(Exception):
    """A slide cannot be opened or read (the message is one line)."""


class SlideReader:
    """A slide as a pyramid of RGB levels in level-0 pixel coordinates.

    Args:
        path (str): The slide file.
        fill_rgb (Sequence[int]): Colour of pixels past the slide's edge and
            of unscanned (transparent) ones. Defaults to white (glass).

    Attributes:
        level_dimensions (list[tuple[int, int]]): ``(width, height)`` of
            each level, level 0 first.
        level_downsamples (list[float]): Downsample of each level.
        mpp (float | None): Microns per level-0 pixel, if recorded.
        objective_power (float | None): Scanning magnification, if recorded.
        bounds (tuple[int, int, int, int] | None): OpenSlide's
            ``(x, y, width, height)`` of the non-empty region, if recorded.
    """

    def __init__(self, path: str, fill_rgb: Sequence[int] = WHITE_RGB):
        self.path = path
        self.fill_rgb = np.asarray(fill_rgb, np.uint8)
        self.level_dimensions: List[Tuple[int, int]] = []
        self.level_downsamples: List[float] = []
        self.mpp: Optional[float] = None
        self.objective_power: Optional[float] = None
        self.bounds: Optional[Tuple[int, int, int, int]] = None

    def read_region(self, location: Tuple[int, int], level: int,
                    size: Tuple[int, int]) -> np.ndarray:
        """Read pixels of one level.

        Args:
            location (tuple[int, int]): ``(x, y)`` of the top-left corner in
                level-0 pixels.
            level (int): Pyramid level.
            size (tuple[int, int]): ``(width, height)`` in level pixels.

        Returns:
            np.ndarray: ``(height, width, 3)`` uint8 RGB, ``fill_rgb`` past
            the slide's edge.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release the file."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _positive_float(value) -> Optional[float]:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None


class OpenSlideReader(SlideReader):
    """A slide in any format OpenSlide reads.

    Args:
        path (str): The slide file.
        fill_rgb (Sequence[int]): See :class:`SlideReader`.
    """

    def __init__(self, path: str, fill_rgb: Sequence[int] = WHITE_RGB):
        import openslide
        super().__init__(path, fill_rgb)
        self.slide = openslide.OpenSlide(path)
        props = self.slide.properties
        self.level_dimensions = list(self.slide.level_dimensions)
        self.level_downsamples = list(self.slide.level_downsamples)
        self.mpp = _positive_float(props.get(openslide.PROPERTY_NAME_MPP_X))
        self.objective_power = _positive_float(
            props.get(openslide.PROPERTY_NAME_OBJECTIVE_POWER))
        bounds = [
            props.get(f'openslide.bounds-{key}')
            for key in ('x', 'y', 'width', 'height')
        ]
        if all(value is not None for value in bounds):
            self.bounds = tuple(int(value) for value in bounds)

    def read_region(self, location, level, size):
        rgba = np.asarray(self.slide.read_region(location, level, size))
        # OpenSlide returns transparent pixels past the scanned area: put
        # them on the fill (alpha-composite, alpha is not premultiplied).
        alpha = rgba[..., 3:].astype(np.uint16)
        rgb = rgba[..., :3].astype(np.uint16)
        fill = self.fill_rgb.astype(np.uint16)
        return ((rgb * alpha + fill * (255 - alpha) + 127) //
                255).astype(np.uint8)

    def close(self):
        self.slide.close()


class _ArrayLevelsReader(SlideReader):
    """A reader whose levels are decoded whole into memory on first use."""

    def _load_level(self, level: int) -> np.ndarray:
        raise NotImplementedError

    def read_region(self, location, level, size):
        if getattr(self, '_cached_level', None) != level:
            self._cached = self._load_level(level)
            self._cached_level = level
        image = self._cached
        scale = self.level_downsamples[level]
        x, y = (int(round(c / scale)) for c in location)
        width, height = size
        out = np.empty((height, width, 3), np.uint8)
        out[:] = self.fill_rgb
        x0, y0 = max(x, 0), max(y, 0)
        x1 = min(x + width, image.shape[1])
        y1 = min(y + height, image.shape[0])
        if x1 > x0 and y1 > y0:
            out[y0 - y:y1 - y, x0 - x:x1 - x] = image[y0:y1, x0:x1]
        return out

    def close(self):
        self._cached = None
        self._cached_level = None


def _to_rgb(image: np.ndarray, path: str) -> np.ndarray:
    if image.dtype != np.uint8:
        raise SlideError(f'{path}: pixels are {image.dtype}, expected 8-bit '
                         'RGB; convert the image to 8-bit first')
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise SlideError(f'{path}: image of shape {image.shape} is not RGB')
    return np.ascontiguousarray(image[..., :3])


class TiffReader(_ArrayLevelsReader):
    """A TIFF that OpenSlide does not read (e.g. an untiled region).

    Each level is decoded whole when first read, so this suits regions,
    not gigapixel slides (those are tiled and go to OpenSlide). The
    resolution is taken from the TIFF tags only when the unit is
    centimetre, as OpenSlide does: inch-based tags are usually a
    meaningless 72 dpi default.

    Args:
        path (str): The TIFF file.
        fill_rgb (Sequence[int]): See :class:`SlideReader`.
    """

    def __init__(self, path: str, fill_rgb: Sequence[int] = WHITE_RGB):
        import tifffile
        super().__init__(path, fill_rgb)
        with tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            page = series.pages[0]
            self._levels = len(series.levels)
            for level in series.levels:
                shape = level.shape
                if len(shape) == 3 and shape[0] in (3, 4) and shape[2] > 4:
                    raise SlideError(f'{path}: planar (C, H, W) TIFFs are '
                                     'not supported; save it as RGB')
                self.level_dimensions.append((shape[1], shape[0]))
            tags = page.tags
            unit = tags.get('ResolutionUnit')
            xres = tags.get('XResolution')
            if unit is not None and xres is not None and int(
                    unit.value) == 3:  # centimetre
                numerator, denominator = xres.value
                pixels_per_cm = _positive_float(numerator / denominator)
                if pixels_per_cm:
                    self.mpp = 1e4 / pixels_per_cm
        width0 = self.level_dimensions[0][0]
        self.level_downsamples = [width0 / w for w, _ in self.level_dimensions]

    def _load_level(self, level):
        import tifffile
        with tifffile.TiffFile(self.path) as tif:
            return _to_rgb(tif.series[0].levels[level].asarray(), self.path)


class ImageReader(_ArrayLevelsReader):
    """A PNG/JPEG/BMP region, decoded whole; it has no resolution metadata.

    Args:
        path (str): The image file.
        fill_rgb (Sequence[int]): See :class:`SlideReader`.
    """

    def __init__(self, path: str, fill_rgb: Sequence[int] = WHITE_RGB):
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None:
            raise SlideError(f'{path}: cannot be decoded as an image')
        super().__init__(path, fill_rgb)
        self._image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        height, width = self._image.shape[:2]
        self.level_dimensions = [(width, height)]
        self.level_downsamples = [1.0]

    def _load_level(self, level):
        return self._image


def open_slide(path: str,
               fill_rgb: Sequence[int] = WHITE_RGB) -> SlideReader:
    """Open a slide or region with the reader that fits it.

    Args:
        path (str): The file.
        fill_rgb (Sequence[int]): Colour of pixels past the slide's edge and
            of unscanned ones. Defaults to white (glass), what the slide
            pipeline's tissue detection and models expect.

    Returns:
        SlideReader: An OpenSlide reader for formats OpenSlide detects
        (also for a folder holding one DICOM slide), otherwise tifffile for
        ``.tif``/``.tiff`` and OpenCV for images.

    Raises:
        SlideError: If the file is missing or cannot be opened, with the
            reason in one line.
    """
    if osp.isdir(path):  # a DICOM slide given as its folder
        dicom = first_dicom_file(path)
        if dicom is None:
            raise SlideError(f'{path}: a folder, but no DICOM (.dcm) slide')
        reader = open_slide(dicom, fill_rgb)
        reader.path = path
        return reader
    if not osp.isfile(path):
        raise SlideError(f'{path}: no such file')
    try:
        try:
            import openslide
            vendor = openslide.OpenSlide.detect_format(path)
        except ImportError:
            vendor = None
        if vendor is not None:
            return OpenSlideReader(path, fill_rgb)
        if path.lower().endswith(('.tif', '.tiff')):
            return TiffReader(path, fill_rgb)
        return ImageReader(path, fill_rgb)
    except SlideError:
        raise
    except Exception as error:
        reason = ' '.join(str(error).split()) or type(error).__name__
        raise SlideError(f'{path}: cannot be opened ({reason})') from error


@dataclass(frozen=True)
class SlideScale:
    """The analysis resolution of a slide.

    Args:
        downsample (float): Level-0 pixels per analysis pixel.
        mpp (float | None): Microns per analysis pixel, when the slide's
            pixel size is known (recorded, or given by the user).
        magnification (float | None): Equivalent magnification, when known.
    """
    downsample: float
    mpp: Optional[float]
    magnification: Optional[float]


def resolve_scale(reader: SlideReader,
                  magnification: Optional[float] = 10.0,
                  mpp: Optional[float] = None,
                  input_mpp: Optional[float] = None,
                  input_magnification: Optional[float] = None) -> SlideScale:
    """Work out the downsample that reads a slide at the target resolution.

    A magnification target uses the slide's objective power when recorded
    (x40 to x10 is exactly 4), a microns-per-pixel target its pixel size;
    when only the other one is recorded, ``magnification x mpp = 10`` (x10 =
    1 um/px) converts between them. A resolution the user gives replaces
    both recorded ones. Resolutions no slide scanner produces, and analysis
    resolutions finer than level 0 by more than ``MAX_UPSAMPLE``, are
    refused (:mod:`.resolution`).

    Args:
        reader (SlideReader): The slide.
        magnification (float, optional): Target magnification (default x10,
            the paper's). Ignored when ``mpp`` is given.
        mpp (float, optional): Target microns per pixel.
        input_mpp (float, optional): The slide's level-0 microns per pixel,
            overriding (or standing in for) its metadata.
        input_magnification (float, optional): The slide's level-0
            magnification, overriding (or standing in for) its metadata.

    Returns:
        SlideScale: The downsample and the analysis pixel size.

    Raises:
        SlideError: If the slide records neither pixel size nor
            magnification and none was given, if the level-0 resolution is
            not a scanner's, or if the analysis would up-sample level 0
            more than ``MAX_UPSAMPLE`` times.
    """
    slide_mpp, slide_mag = _level0_resolution(reader, input_mpp,
                                              input_magnification)
    if slide_mpp is None and slide_mag is None:
        raise SlideError(
            f'{reader.path}: no resolution metadata (microns per pixel or '
            'objective power); pass --input-mpp or --input-magnification '
            '(e.g. --input-magnification 10 for MTCHI regions)')
    if mpp is None and magnification is None:
        raise ValueError('give a target magnification or mpp')
    if mpp is not None:
        downsample = mpp / (slide_mpp or MAGNIFICATION_X_MPP / slide_mag)
    else:
        downsample = (slide_mag or MAGNIFICATION_X_MPP / slide_mpp) / \
            magnification
    # x40 -> x10 from 0.2500001 um/px metadata is a downsample of 4, not
    # 4.0000004.
    if abs(downsample - round(downsample)) < 1e-6 * downsample:
        downsample = float(round(downsample))
    if downsample * MAX_UPSAMPLE < 1 - 1e-9:
        target = f'{mpp:g} um/px' if mpp is not None else \
            f'x{magnification:g}'
        level0 = f'{slide_mpp:g} um/px' if slide_mpp else f'x{slide_mag:g}'
        raise SlideError(
            f'{reader.path}: analysing it at {target} would up-sample its '
            f'level 0 ({level0}) {1 / downsample:.3g}x, more than the '
            f'{MAX_UPSAMPLE:g}x allowed; if that resolution is wrong pass '
            '--input-mpp or --input-magnification, else ask for a coarser '
            '--mpp or --magnification')
    return SlideScale(
        downsample=downsample,
        mpp=slide_mpp * downsample if slide_mpp else None,
        magnification=slide_mag / downsample if slide_mag else None)


def _level0_resolution(
        reader: SlideReader, input_mpp: Optional[float],
        input_magnification: Optional[float]
) -> Tuple[Optional[float], Optional[float]]:
    """The level-0 ``(mpp, magnification)`` to use: the user's, if given
    (both recorded values are then ignored), else the recorded ones; either
    way checked against what slide scanners produce."""
    given = input_mpp is not None or input_magnification is not None
    mpp, magnification = (input_mpp, input_magnification) if given else (
        reader.mpp, reader.objective_power)
    for value, implausible in ((mpp, implausible_mpp),
                               (magnification, implausible_magnification)):
        reason = implausible(value) if value is not None else None
        if reason:
            raise SlideError(
                f'{reader.path}: level-0 resolution {reason} '
                f'({"as given" if given else "recorded in the file"}); pass '
                'the real one with --input-mpp (or --input-magnification)')
    return mpp, magnification


def analysis_frame(reader: SlideReader) -> Tuple[int, int, int, int]:
    """The level-0 rectangle that is analysed: what QuPath shows.

    QuPath crops an OpenSlide image to ``openslide.bounds-*`` when both the
    bounds' width and height differ from the slide's; outputs use the same
    frame so that the label map and the GeoJSON line up with the slide there.

    Args:
        reader (SlideReader): The slide.

    Returns:
        tuple[int, int, int, int]: ``(x, y, width, height)`` in level-0
        pixels.
    """
    width, height = reader.level_dimensions[0]
    if reader.bounds is not None:
        x, y, bounds_width, bounds_height = reader.bounds
        if bounds_width != width and bounds_height != height:
            return x, y, bounds_width, bounds_height
    return 0, 0, width, height


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
