"""Slide readers: one interface over OpenSlide, tifffile and OpenCV.

Three readers share one interface (:class:`SlideReader`: a pyramid of RGB
levels addressed in level-0 pixels, a fill colour, by default white glass,
past the slide's edge and where it was not scanned):

* :class:`OpenSlideReader` for every format OpenSlide detects (Aperio,
  Hamamatsu, MIRAX, generic tiled TIFF, DICOM, ...);
* :class:`TiffReader` (tifffile) for other TIFFs, e.g. untiled regions;
* :class:`ImageReader` (OpenCV) for PNG/JPEG regions such as MTCHI crops.

:func:`open_slide` picks the reader. OpenSlide and tifffile are imported
only when a slide needs them.
"""
import errno
import math
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .dicom import first_dicom_file

WHITE = 255
WHITE_RGB = (WHITE, WHITE, WHITE)


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


def damaged(path: str, error: Exception, where: str) -> SlideError:
    """A read that failed on the file's image data, as one line naming
    the slide, where, what the decoder said and the fix.

    Args:
        path (str): The slide.
        error (Exception): What the decoder raised (OpenSlide's ``Bogus
            marker length`` for a corrupt JPEG tile, zlib's ``Error -5
            while decompressing data`` for a truncated deflate one...).
        where (str): The region read, in words.

    Returns:
        SlideError: To raise.
    """
    reason = ' '.join(str(error).split()) or 'no message'
    return SlideError(
        f'{path}: its image data is damaged at {where} '
        f'({type(error).__name__}: {reason}): the file is truncated or '
        'corrupt (an interrupted copy, a scanner fault); copy it again, or '
        're-export or rescan the slide')


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
        import openslide
        try:
            rgba = np.asarray(self.slide.read_region(location, level, size))
        except openslide.OpenSlideError as error:
            raise damaged(self.path, error, f'level {level}, {size[0]}x'
                          f'{size[1]} pixels at {location}') from None
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
            try:
                self._cached = self._load_level(level)
            except SlideError:
                raise
            except Exception as error:  # whatever its decoder raised
                raise damaged(self.path, error, f'level {level}') from None
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


def _why_missing(path: str) -> str:
    """Why there is no file at ``path``: a broken link says where it
    points."""
    if not osp.islink(path):
        return 'no such file'
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return 'a symbolic link loop'
    return (f'a symbolic link to {os.readlink(path)}, which does not '
            'exist; fix or remove the link')


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
        raise SlideError(f'{path}: {_why_missing(path)}')
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
