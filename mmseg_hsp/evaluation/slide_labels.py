"""The two label maps a slide evaluation compares, band of rows by band.

Both sides are read on one raster, the *grid*: the label map's analysis
pixels (level-0 pixels per analysis pixel: ``downsample``), with its pixel
size. A prediction of ``tools/infer_wsi.py`` fixes it (its label TIFF:
size, ``level0_downsample``, ``mpp`` in the description); annotations
against annotations take it from the slide (``--slides``) or, without one,
from the polygons' extent, at the slide tool's resolution flags.

A label TIFF is decoded one row of tiles at a time (:class:`LabelTiff`),
and annotations are rasterised over the same rows only
(:class:`AnnotationBands`), so memory holds a band, whatever the slide's
height.
"""
import json
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, Tuple

import numpy as np

from ..annotations import AnnotationSet, rasterize_annotations
from ..slide_io import (ScaledRegion, SlideReader, analysis_frame,
                        resolve_scale)

# Truth label of pixels no annotation covers: left out of every count.
UNANNOTATED = 255
# Rows per band when no TIFF tiling sets them.
BAND_ROWS = 256


class SlideEvaluationError(ValueError):
    """An input of a slide evaluation that cannot be compared (one line
    naming the file, the problem and the fix)."""


@dataclass(frozen=True)
class Grid:
    """The raster both label maps are compared on.

    Args:
        height (int): Rows (analysis pixels).
        width (int): Columns.
        downsample (float): Level-0 pixels per analysis pixel; the grid's
            origin is level-0 ``(0, 0)`` of the image QuPath shows.
        mpp (float): Microns per analysis pixel (areas).
        mpp_source (str): ``'metadata'``, ``'input_mpp'`` or ``'nominal'``
            (see :mod:`mmseg_hsp.wsi.areas`).
    """
    height: int
    width: int
    downsample: float
    mpp: float
    mpp_source: str

    @property
    def level0_size(self) -> Tuple[float, float]:
        """tuple[float, float]: ``(width, height)`` covered, in level-0
        pixels."""
        return self.width * self.downsample, self.height * self.downsample


class LabelTiff:
    """A ``NAME.labels.tif`` of ``tools/infer_wsi.py``, read band by band.

    Args:
        path (str): The label TIFF.

    Attributes:
        classes (list[str]): Class names of the label values.
        grid (Grid): Its raster, from its description.

    Raises:
        SlideEvaluationError: If the file is not such a label map.
    """

    def __init__(self, path: str):
        import tifffile
        self.path = path
        try:
            self._tif = tifffile.TiffFile(path)
            page = self._tif.pages[0]
            meta = json.loads(page.description)
            self.classes = list(meta['classes'])
            downsample = float(meta['level0_downsample'])
            mpp, source = float(meta['mpp']), meta['mpp_source']
        except (OSError, ValueError, KeyError, TypeError,
                tifffile.TiffFileError) as error:
            raise SlideEvaluationError(
                f'{path}: not a label map of tools/infer_wsi.py (no JSON '
                'description with classes, level0_downsample, mpp); give '
                'its --out-dir as PRED') from error
        self.grid = Grid(page.shape[0], page.shape[1], downsample, mpp,
                         source)

    def bands(self) -> Iterator[Tuple[int, np.ndarray]]:
        """The level-0 label map, one row of TIFF tiles (or strip) at a
        time.

        Yields:
            tuple[int, np.ndarray]: The band's first row and its ``(rows,
            width)`` uint8 labels, top to bottom.
        """
        page = self._tif.pages[0]
        handle = self._tif.filehandle
        height, width = self.grid.height, self.grid.width
        band, top = None, None
        # Tiles (and strips) are stored row by row, left to right.
        for index, (offset, count) in enumerate(
                zip(page.dataoffsets, page.databytecounts)):
            handle.seek(offset)
            segment, (_, _, row, column, _), shape = page.decode(
                handle.read(count), index, jpegtables=page.jpegtables)
            if row != top:
                if band is not None:
                    yield top, band
                top = row
                band = np.zeros((min(shape[1], height - row), width),
                                np.uint8)
            if segment is not None:
                rows, columns = band.shape[0], min(shape[2], width - column)
                band[:, column:column + columns] = \
                    segment[0, :rows, :columns, 0]
        if band is not None:
            yield top, band

    def close(self) -> None:
        """Close the file."""
        self._tif.close()


class AnnotationBands:
    """Annotations as labels on a grid, rasterised band by band.

    Args:
        annotations (AnnotationSet): The polygons (level-0 pixels).
        class_index (dict[str, int]): Label of each drawn name
            (:func:`~mmseg_hsp.annotations.class_mapping`).
        grid (Grid): The raster.
        fill (int): Label of pixels no polygon covers: :data:`UNANNOTATED`
            for truth, 0 (background: nothing predicted) for a prediction.
    """

    def __init__(self, annotations: AnnotationSet, class_index: dict,
                 grid: Grid, fill: int):
        self.polygons = annotations.polygons
        self.class_index = class_index
        self.grid = grid
        self.fill = fill

    def band(self, top: int, bottom: int) -> np.ndarray:
        """Rows ``[top, bottom)`` of the grid.

        Args:
            top (int): First row.
            bottom (int): Row past the last.

        Returns:
            np.ndarray: ``(bottom - top, width)`` uint8 labels.
        """
        scale = self.grid.downsample
        return rasterize_annotations(
            self.polygons, self.class_index,
            (0.0, top * scale, self.grid.width * scale,
             (bottom - top) * scale), scale, fill=self.fill)

    def bands(self) -> Iterator[Tuple[int, np.ndarray]]:
        """The whole grid in bands of :data:`BAND_ROWS` rows.

        Yields:
            tuple[int, np.ndarray]: First row, ``(rows, width)`` labels.
        """
        for top in range(0, self.grid.height, BAND_ROWS):
            yield top, self.band(top, min(top + BAND_ROWS, self.grid.height))


class MaskTruth:
    """A label image as truth, resampled onto a grid at pixel centres.

    Its values are class indices; 0 (background: MTCHI's masks leave it
    unannotated) is left out, as MTCHI's official evaluation does. It
    covers the grid's extent at any resolution of the same aspect (MTCHI's
    ``Mask_<name>.png`` of a region run at x10 is the grid itself). The
    image is held whole: label images are one byte a pixel, usually at a
    coarse level.

    Args:
        path (str): The image (PNG, TIFF).
        grid (Grid): The raster.
        num_classes (int): Values must lie below it.

    Raises:
        SlideEvaluationError: If it is not a single-channel label image of
            the classes, or its aspect differs from the grid's (resolution
            mismatch).
    """

    def __init__(self, path: str, grid: Grid, num_classes: int):
        import cv2
        mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if mask is None or mask.ndim != 2 or mask.dtype.kind not in 'ui':
            raise SlideEvaluationError(
                f'{path}: not a single-channel label image (class indices); '
                're-export the truth as one, or as GeoJSON')
        height, width = mask.shape
        if abs(width - grid.width * height / grid.height) > 1:
            raise SlideEvaluationError(
                f'{path}: resolution mismatch: the label image is {width} x '
                f'{height}, not the shape of the label map ({grid.width} x '
                f'{grid.height}); give the truth of the whole slide, or of '
                'the region the prediction was made of')
        if mask.max() >= num_classes:
            raise SlideEvaluationError(
                f'{path}: label {mask.max()} is not one of the '
                f'{num_classes} classes (0-{num_classes - 1})')
        self.mask = mask
        self.grid = grid
        self.columns = _centres(grid.width, width)
        # background (0) is not annotated
        self.table = np.arange(256, dtype=np.uint8)
        self.table[0] = UNANNOTATED

    def band(self, top: int, bottom: int) -> np.ndarray:
        """Rows ``[top, bottom)`` of the grid (see
        :meth:`AnnotationBands.band`)."""
        rows = _centres(self.grid.height, self.mask.shape[0])[top:bottom]
        return self.table[self.mask[rows][:, self.columns]]


def _centres(size: int, source: int) -> np.ndarray:
    """Index of the source pixel under each of ``size`` pixel centres."""
    return np.minimum(((np.arange(size) + 0.5) * source / size).astype(int),
                      source - 1)


class AnnotationExtent(SlideReader):
    """A slide known only by its annotations: level 0 reaches their
    farthest vertex. It has no pixels and no recorded resolution.

    Args:
        name (str): Named in errors (the annotation file).
        polygon_sets (Sequence[AnnotationSet]): Both sides' annotations.
    """

    def __init__(self, name: str, polygon_sets: Sequence[AnnotationSet]):
        super().__init__(name)
        corners = [(p.bounds[2], p.bounds[3]) for s in polygon_sets
                   for p in s.polygons]
        width, height = np.ceil(np.max(corners, axis=0)) if corners else (1,
                                                                           1)
        self.level_dimensions = [(int(width), int(height))]
        self.level_downsamples = [1.0]


def slide_grid(reader: SlideReader, resolution: dict) -> Grid:
    """The grid ``tools/infer_wsi.py`` would label a slide on.

    Args:
        reader (SlideReader): The slide, or an :class:`AnnotationExtent`.
        resolution (dict): ``magnification``, ``mpp``, ``input_mpp``,
            ``input_magnification``, as :func:`resolve_scale` takes them.

    Returns:
        Grid: Same size and downsample as the slide tool's label map.

    Raises:
        SlideError: If no resolution is known, or it is implausible.
    """
    # Here, not at the top: it imports the slide pipeline, which only
    # annotations against annotations need.
    from ..wsi.areas import area_pixel_size
    scale = resolve_scale(reader, **resolution)
    region = ScaledRegion(reader, scale.downsample, analysis_frame(reader))
    pixel = area_pixel_size(scale.mpp, scale.magnification,
                            resolution.get('input_mpp') is not None)
    return Grid(region.size[0], region.size[1], scale.downsample, pixel.mpp,
                pixel.source)


def check_extent(annotations: AnnotationSet, grid: Grid, path: str,
                 against: str) -> None:
    """Refuse annotations that reach past the grid by more than a pixel.

    Args:
        annotations (AnnotationSet): One side's polygons.
        grid (Grid): The raster.
        path (str): Their file, named in the error.
        against (str): What fixes the grid, named in the error.

    Raises:
        SlideEvaluationError: One line: the annotations were drawn at
            another resolution (or on another slide).
    """
    if not annotations.polygons:
        return
    x = max(p.bounds[2] for p in annotations.polygons)
    y = max(p.bounds[3] for p in annotations.polygons)
    width, height = grid.level0_size
    if x > width + grid.downsample or y > height + grid.downsample:
        raise SlideEvaluationError(
            f'{path}: annotations reach level-0 ({x:.0f}, {y:.0f}), past '
            f'{against} ({width:.0f} x {height:.0f} level-0 pixels): '
            'resolution mismatch; they were drawn at another resolution or '
            'on another slide (check --input-mpp / --input-magnification, '
            'or that both name the same slide)')


def check_input_resolution(grid: Grid, input_mpp: Optional[float],
                           path: str) -> None:
    """Refuse an ``--input-mpp`` that contradicts a label TIFF's.

    Args:
        grid (Grid): The label TIFF's grid.
        input_mpp (float, optional): The user's level-0 microns per pixel.
        path (str): The label TIFF, named in the error.

    Raises:
        SlideEvaluationError: If they differ by more than 1%.
    """
    if input_mpp is None:
        return
    level0 = grid.mpp / grid.downsample
    if abs(level0 - input_mpp) > 0.01 * input_mpp:
        raise SlideEvaluationError(
            f'{path}: resolution mismatch: the label map was made at '
            f'{level0:g} um per level-0 pixel ({grid.mpp_source}), '
            f'--input-mpp says {input_mpp:g}; rerun tools/infer_wsi.py with '
            'that --input-mpp, or leave the flag out')
