"""Outputs of a slide: pyramidal label and confidence TIFFs, GeoJSON, overlay
PNG, summary.

Label and confidence rows arrive band by band; :class:`LabelPyramid`
streams each to raw files on disk (one per pyramid level, decimated as they
come) and counts the values, so no output needs the label map in memory.
Every output is written under a temporary name in the output folder and
renamed when complete (:func:`mmseg_hsp.fileio.atomic_output`): an
interrupted run leaves no file that looks finished.
"""
import json
import math
import os.path as osp
import tempfile
import uuid
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

# write_json and write_png are part of this module's interface (the slide
# pipeline writes its summary and overlay with them).
from ..fileio import (atomic_output, owner_tag, write_json,  # noqa: F401
                      write_png)
from .confidence import CONFIDENCE_SCALE, ConfidenceStats
from .polygons import region_polygons, ring_area, ring_length

# TIFF tiles of the label map (OpenSlide's and QuPath's usual size).
TIFF_TILE = 256
# The largest label-pyramid level, in pixels a side, traced into polygons or
# drawn in the overlay.
GEOJSON_MAX_SIDE = 8192
OVERLAY_MAX_SIDE = 1024
OVERLAY_ALPHA = 0.5
# Namespace of the GeoJSON features' ids (uuid5 of slide, class, region).
FEATURE_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL,
                                  'https://github.com/mmseg_hsp/regions')


class LabelPyramid:
    """A uint8 map (labels, confidence) streamed row by row into per-level
    raw files on disk.

    Level ``k`` keeps every ``2**k``-th row and column (nearest neighbour,
    which keeps class indices, and the confidence of the pixel kept);
    levels are added until the coarsest fits one TIFF tile. Memory is one
    band; disk is 4/3 of the level-0 bytes, in a temporary folder removed
    by :meth:`close`.

    Args:
        size (tuple[int, int]): ``(H, W)`` of level 0.
        folder (str): Where the temporary files go (the output folder, so
            the TIFF is written on the same disk).
    """

    def __init__(self, size: Tuple[int, int], folder: str):
        self.size = size
        self.sizes = [size]
        while max(self.sizes[-1]) > TIFF_TILE:
            h, w = self.sizes[-1]
            self.sizes.append((-(-h // 2), -(-w // 2)))
        self._folder = tempfile.TemporaryDirectory(
            dir=folder, prefix=f'.labels-{owner_tag()}~')
        self._paths = [
            osp.join(self._folder.name, f'level{k}.raw')
            for k in range(len(self.sizes))
        ]
        self._files = [open(path, 'wb') for path in self._paths]
        self.rows_written = 0
        self.counts = np.zeros(256, np.int64)

    def append(self, labels: np.ndarray) -> None:
        """Add the next rows of level 0.

        Args:
            labels (np.ndarray): ``(h, W)`` uint8 rows, in order.
        """
        top = self.rows_written
        self.counts += np.bincount(labels.ravel(), minlength=256)
        for k, f in enumerate(self._files):
            step = 2**k
            first = -top % step
            f.write(np.ascontiguousarray(labels[first::step, ::step]).data)
        self.rows_written += len(labels)

    def finish(self) -> None:
        """Flush the files; every row must have been appended."""
        if self.rows_written != self.size[0]:
            raise RuntimeError(f'label map has {self.rows_written} of '
                               f'{self.size[0]} rows')
        for f in self._files:
            f.close()

    def level(self, k: int) -> np.ndarray:
        """Level ``k`` read into memory.

        Args:
            k (int): Pyramid level.

        Returns:
            np.ndarray: ``(H_k, W_k)`` uint8 labels.
        """
        return np.fromfile(self._paths[k], np.uint8).reshape(self.sizes[k])

    def finest_level_within(self, max_side: int) -> int:
        """The finest level whose sides are at most ``max_side``.

        Args:
            max_side (int): Largest side in pixels.

        Returns:
            int: The level (the coarsest if none fits).
        """
        return next((k for k, size in enumerate(self.sizes)
                     if max(size) <= max_side), len(self.sizes) - 1)

    def tiles(self, k: int) -> Iterator[np.ndarray]:
        """TIFF tiles of level ``k`` in row-major order, edge tiles padded.

        Args:
            k (int): Pyramid level.

        Yields:
            np.ndarray: ``(TIFF_TILE, TIFF_TILE)`` uint8 tiles.
        """
        height, width = self.sizes[k]
        with open(self._paths[k], 'rb') as f:
            for top in range(0, height, TIFF_TILE):
                rows = min(TIFF_TILE, height - top)
                strip = np.fromfile(f, np.uint8, rows * width).reshape(
                    rows, width)
                for left in range(0, width, TIFF_TILE):
                    tile = np.zeros((TIFF_TILE, TIFF_TILE), np.uint8)
                    part = strip[:, left:left + TIFF_TILE]
                    tile[:rows, :part.shape[1]] = part
                    yield tile

    def close(self) -> None:
        """Remove the temporary files."""
        for f in self._files:
            f.close()
        self._folder.cleanup()


class SlideMaps:
    """A slide's label map and confidence layer, streamed side by side.

    Args:
        size (tuple[int, int]): ``(H, W)`` of the analysis frame.
        folder (str): Where the temporary pyramid files go.

    Attributes:
        labels (LabelPyramid): The labels.
        confidence (LabelPyramid): The stored confidence (:mod:`.confidence`).
        stats (ConfidenceStats): Confidence per class.
    """

    def __init__(self, size: Tuple[int, int], folder: str):
        self.labels = LabelPyramid(size, folder)
        try:
            self.confidence = LabelPyramid(size, folder)
        except BaseException:
            self.labels.close()
            raise
        self.stats = ConfidenceStats()

    def append(self, labels: np.ndarray, confidence: np.ndarray) -> None:
        """Add the next rows of both.

        Args:
            labels (np.ndarray): ``(h, W)`` uint8 labels.
            confidence (np.ndarray): ``(h, W)`` uint8 stored confidence.
        """
        self.labels.append(labels)
        self.confidence.append(confidence)
        self.stats.add(labels, confidence)

    def finish(self) -> None:
        """Flush both; every row must have been appended."""
        self.labels.finish()
        self.confidence.finish()

    def close(self) -> None:
        """Remove the temporary files of both."""
        self.labels.close()
        self.confidence.close()


def colormap(palette: Sequence[Sequence[int]]) -> np.ndarray:
    """A TIFF colour map: ``(3, 256)`` uint16, classes past the palette black.

    Args:
        palette (Sequence[Sequence[int]]): RGB of each class.

    Returns:
        np.ndarray: The colour map.
    """
    table = np.zeros((256, 3), np.uint16)
    table[:len(palette)] = np.asarray(palette, np.uint16)
    return (table * 257).T


def write_label_tiff(path: str, pyramid: LabelPyramid,
                     palette: Sequence[Sequence[int]], mpp: Optional[float],
                     description: dict) -> None:
    """Write the label pyramid as a tiled pyramidal palette TIFF.

    Pixel values are the class indices; the palette colours them in
    viewers. See :func:`write_pyramid_tiff` for the layout.

    Args:
        path (str): The ``.tif`` file (written atomically).
        pyramid (LabelPyramid): The finished label pyramid.
        palette (Sequence[Sequence[int]]): RGB of each class.
        mpp (float, optional): Microns per level-0 label pixel.
        description (dict): JSON metadata for level 0's ImageDescription.
    """
    write_pyramid_tiff(path, pyramid, mpp, description,
                       photometric='palette', colormap=colormap(palette))


def write_confidence_tiff(path: str, pyramid: LabelPyramid,
                          mpp: Optional[float], description: dict) -> None:
    """Write the confidence pyramid as a tiled pyramidal greyscale TIFF.

    Values are ``round(255 * p)``, 0 where the model gave no answer
    (:mod:`.confidence`). See :func:`write_pyramid_tiff` for the layout.

    Args:
        path (str): The ``.tif`` file (written atomically).
        pyramid (LabelPyramid): The finished confidence pyramid.
        mpp (float, optional): Microns per level-0 pixel.
        description (dict): JSON metadata for level 0's ImageDescription.
    """
    write_pyramid_tiff(path, pyramid, mpp, description,
                       photometric='minisblack')


def write_pyramid_tiff(path: str, pyramid: LabelPyramid,
                       mpp: Optional[float], description: dict,
                       **photometric) -> None:
    """Write a uint8 pyramid as a tiled pyramidal TIFF.

    Each level is a main IFD (as OpenSlide's generic-TIFF reader and QuPath
    expect), deflate-compressed, ``TIFF_TILE`` tiles. Resolution tags
    (pixels per centimetre) are written when the pixel size is known;
    ``description`` says whether it is nominal.

    Args:
        path (str): The ``.tif`` file (written atomically).
        pyramid (LabelPyramid): The finished pyramid.
        mpp (float, optional): Microns per level-0 pixel.
        description (dict): JSON metadata for level 0's ImageDescription.
        **photometric: ``photometric`` (and ``colormap``) of tifffile.
    """
    import tifffile
    height, width = pyramid.size
    bigtiff = height * width * 4 // 3 > 2**32 - 2**27
    with atomic_output(path) as partial, tifffile.TiffWriter(
            partial, bigtiff=bigtiff) as tif:
        for k, size in enumerate(pyramid.sizes):
            resolution = {}
            if mpp:
                per_cm = 1e4 / (mpp * 2**k)
                resolution = dict(
                    resolution=(per_cm, per_cm), resolutionunit='CENTIMETER')
            tif.write(
                pyramid.tiles(k),
                shape=size,
                dtype=np.uint8,
                tile=(TIFF_TILE, TIFF_TILE),
                compression='zlib',
                subfiletype=1 if k else 0,
                description=json.dumps(description) if k == 0 else None,
                metadata=None,
                **photometric,
                **resolution)


def write_geojson(path: str,
                  labels: np.ndarray,
                  scale: float,
                  origin: Tuple[float, float],
                  class_names: Sequence[str],
                  palette: Sequence[Sequence[int]],
                  min_area: float = 0.0,
                  um_per_pixel: Optional[float] = None,
                  confidence: Optional[np.ndarray] = None,
                  id_prefix: str = '',
                  tally: Optional[Dict[int, int]] = None) -> int:
    """Write per-class region polygons as a QuPath-ready FeatureCollection.

    Polygons follow the pixel edges (:mod:`.polygons`): each is valid, and
    its area is its region's pixel count (plus the holes of at most
    ``min_area`` pixels it fills). Each feature has a stable ``id`` (a
    UUID of ``id_prefix``, the class and the region's number, the same for
    the same label map) and QuPath-style ``measurements``: ``Area µm^2``
    and ``Perimeter µm`` (outer ring and holes) with ``um_per_pixel``,
    ``Mean confidence`` (over the region's pixels) with ``confidence``.
    Features are streamed to the file one by one, so memory holds one
    class's region numbers and one region's rings, not the collection.

    Args:
        path (str): The ``.geojson`` file (written atomically).
        labels (np.ndarray): ``(h, w)`` uint8 label map.
        scale (float): Level-0 pixels per label pixel.
        origin (tuple[float, float]): Level-0 ``(x, y)`` of label pixel
            ``(0, 0)``'s corner.
        class_names (Sequence[str]): QuPath classification names; class 0
            (background) is not exported.
        palette (Sequence[Sequence[int]]): RGB of each class.
        min_area (float): Regions and holes of at most this many label
            pixels are left out. Defaults to 0.
        um_per_pixel (float, optional): Microns per label pixel; no area
            or perimeter without it.
        confidence (np.ndarray, optional): ``(h, w)`` uint8 stored
            confidence (:mod:`.confidence`) at the labels' size.
        id_prefix (str): Names the slide in the ids. Defaults to ``''``.
        tally (dict, optional): Features per class value are added to it.

    Returns:
        int: The number of features written.
    """
    count = 0
    with atomic_output(path) as partial, open(partial, 'w') as f:
        f.write('{"type": "FeatureCollection", "features": [')
        means = {}  # region means of the class being written
        for regions, number, rings in region_polygons(labels, min_area):
            name = class_names[regions.value]
            if confidence is not None and regions.value not in means:
                means = {regions.value: regions.means(confidence) /
                         CONFIDENCE_SCALE}
            properties = dict(
                objectType='annotation',
                classification=dict(
                    name=name,
                    color=[int(c) for c in palette[regions.value]]),
                measurements=_measurements(
                    rings, um_per_pixel,
                    means[regions.value][number] if means else None))
            coordinates = [
                np.round(ring * scale + np.asarray(origin), 2).tolist()
                for ring in rings
            ]
            feature = dict(
                type='Feature',
                id=str(uuid.uuid5(FEATURE_ID_NAMESPACE,
                                  f'{id_prefix}/{name}/{number}')),
                geometry=dict(type='Polygon', coordinates=coordinates),
                properties=properties)
            f.write((', ' if count else '') + json.dumps(feature))
            count += 1
            if tally is not None:
                tally[regions.value] = tally.get(regions.value, 0) + 1
        f.write(']}')
    return count


def _measurements(rings: List[np.ndarray], um_per_pixel: Optional[float],
                  mean_confidence: Optional[float]) -> Dict[str, float]:
    """QuPath measurements of a polygon given in label pixels."""
    measurements = {}
    if um_per_pixel is not None:
        outer, *holes = rings
        area = ring_area(outer) - sum(map(ring_area, holes))
        measurements['Area µm^2'] = round(area * um_per_pixel**2, 4)
        measurements['Perimeter µm'] = round(
            sum(map(ring_length, rings)) * um_per_pixel, 4)
    if mean_confidence is not None:
        measurements['Mean confidence'] = round(float(mean_confidence), 4)
    return measurements


def render_overlay(rgb: np.ndarray, labels: np.ndarray,
                   palette: Sequence[Sequence[int]]) -> np.ndarray:
    """The slide with its classes blended in, beside the label map alone.

    Args:
        rgb (np.ndarray): ``(h, w, 3)`` uint8 slide thumbnail.
        labels (np.ndarray): ``(h, w)`` uint8 labels at the same size.
        palette (Sequence[Sequence[int]]): RGB of each class (the slide
            outputs': background black, Normal amber, CIN1 green, CIN2 blue,
            CIN3 red; see :attr:`SlideClasses.output_palette`).

    Returns:
        np.ndarray: ``(h, 2w, 3)`` uint8 RGB: left the overlay (background
        left as scanned), right the label map in the palette (Figure 4).
    """
    colours = np.zeros((256, 3), np.uint8)
    colours[:len(palette)] = np.asarray(palette, np.uint8)
    painted = colours[labels]
    overlay = rgb.copy()
    fg = labels > 0
    overlay[fg] = np.round((1 - OVERLAY_ALPHA) * rgb[fg] +
                           OVERLAY_ALPHA * painted[fg]).astype(np.uint8)
    return np.concatenate([overlay, painted], axis=1)


def class_areas(counts: np.ndarray, class_names: Sequence[str],
                mpp: Optional[float]) -> Dict[str, dict]:
    """Per-class area of a label map.

    Args:
        counts (np.ndarray): Pixels per class index.
        class_names (Sequence[str]): Names of the classes.
        mpp (float, optional): Microns per label pixel; areas in mm^2 are
            ``None`` when unknown.

    Returns:
        dict: ``{name: {'pixels': int, 'mm2': float | None}}``.
    """
    mm2_per_pixel = (mpp * 1e-3)**2 if mpp else None
    return {
        name: dict(
            pixels=int(counts[i]),
            mm2=(round(float(counts[i] * mm2_per_pixel), 9)
                 if mm2_per_pixel is not None else None))
        for i, name in enumerate(class_names)
    }


def fit_size(size: Tuple[int, int], max_side: int) -> Tuple[int, int]:
    """Scale ``(h, w)`` down to fit ``max_side``, keeping the aspect ratio.

    Args:
        size (tuple[int, int]): ``(h, w)``.
        max_side (int): Largest side.

    Returns:
        tuple[int, int]: ``(h, w)``, at least 1 each.
    """
    factor = min(1.0, max_side / max(size))
    return (max(1, math.floor(size[0] * factor)),
            max(1, math.floor(size[1] * factor)))
