"""Label-map regions as valid polygons whose areas are their pixel counts.

Rings follow the pixel edges (GDAL's polygonizer through rasterio's
``features.shapes``), not the pixel centres: a region of ``n`` pixels is a
polygon of area ``n``, holes included, and every polygon is valid in the OGC
sense that QuPath (JTS), shapely and GIS tools require. Regions are
4-connected, so pixels touching only at a corner are separate polygons;
8-connected tracing would give rings that touch themselves at that corner,
which is invalid.

A class's regions are numbered first (:class:`ClassRegions`, OpenCV's
4-connected components, numbered in raster order of their first pixels)
and each number is traced on its own, so a polygon comes with its region's
pixels: per-region statistics (mean confidence) need no rasterisation, and
the numbers are stable ids for the same label map.
"""
from typing import Iterator, List, Tuple

import cv2
import numpy as np

from ..optional import import_extra

# Rows summed at a time by ClassRegions.means (bounds the float64 copies).
MEAN_CHUNK_ROWS = 1024


def ring_area(ring: np.ndarray) -> float:
    """The area enclosed by a closed ring (shoelace formula).

    Args:
        ring (np.ndarray): ``(n, 2)`` points, the last equal to the first.

    Returns:
        float: The unsigned area.
    """
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2


def ring_length(ring: np.ndarray) -> float:
    """The length of a closed ring.

    Args:
        ring (np.ndarray): ``(n, 2)`` points, the last equal to the first.

    Returns:
        float: The sum of its segments' lengths.
    """
    return float(np.hypot(*np.diff(ring, axis=0).T).sum())


class ClassRegions:
    """The 4-connected regions of one class of a label map.

    Args:
        labels (np.ndarray): ``(h, w)`` uint8 label map.
        value (int): The class.

    Attributes:
        ids (np.ndarray): ``(h, w)`` int32: region number (1, 2, ... in
            raster order of the regions' first pixels) of each pixel of the
            class, 0 elsewhere.
        count (int): Number of regions.
        pixels (np.ndarray): ``(count + 1,)`` pixels per region number
            (index 0: the other pixels).
    """

    def __init__(self, labels: np.ndarray, value: int):
        self.value = value
        count, self.ids = cv2.connectedComponents(
            (labels == value).view(np.uint8), connectivity=4,
            ltype=cv2.CV_32S)
        self.count = count - 1
        self.pixels = np.bincount(self.ids.ravel(), minlength=count)

    def polygons(self,
                 min_area: float = 0.0
                 ) -> Iterator[Tuple[int, List[np.ndarray]]]:
        """The regions as polygons with holes.

        Args:
            min_area (float): Regions of at most this many pixels are left
                out, and holes of at most this many pixels are filled (left
                out of their polygon). Defaults to 0.

        Yields:
            tuple[int, list[np.ndarray]]: The region number, and its closed
            rings, outer ring first, as ``(n, 2)`` float arrays of ``(x,
            y)`` pixel-edge coordinates: pixel ``(row, col)`` is the unit
            square from ``(col, row)`` to ``(col + 1, row + 1)``.
        """
        features = import_extra('rasterio.features', 'wsi')
        if self.count == 0:
            return
        for geometry, number in features.shapes(self.ids,
                                                mask=self.ids > 0,
                                                connectivity=4):
            outer, *holes = (np.asarray(ring, np.float64)
                             for ring in geometry['coordinates'])
            if ring_area(outer) <= min_area:
                continue
            yield int(number), [outer] + [
                hole for hole in holes if ring_area(hole) > min_area
            ]

    def means(self, values: np.ndarray) -> np.ndarray:
        """The mean of a map over each region.

        Args:
            values (np.ndarray): ``(h, w)`` map (e.g. the confidence layer).

        Returns:
            np.ndarray: ``(count + 1,)`` float64 means per region number
            (index 0: over the other pixels; NaN where a region is empty).
        """
        sums = np.zeros(self.count + 1)
        for top in range(0, len(self.ids), MEAN_CHUNK_ROWS):
            rows = slice(top, top + MEAN_CHUNK_ROWS)
            sums += np.bincount(self.ids[rows].ravel(),
                                weights=values[rows].ravel(),
                                minlength=self.count + 1)
        with np.errstate(invalid='ignore', divide='ignore'):
            return sums / self.pixels


def region_polygons(
        labels: np.ndarray,
        min_area: float = 0.0
) -> Iterator[Tuple[ClassRegions, int, List[np.ndarray]]]:
    """The regions of every non-zero class as polygons, with their regions.

    Args:
        labels (np.ndarray): ``(h, w)`` uint8 label map.
        min_area (float): As :meth:`ClassRegions.polygons` takes it.

    Yields:
        tuple[ClassRegions, int, list[np.ndarray]]: The class's regions,
        the region's number and its rings; class by class, one
        :class:`ClassRegions` each (in memory one class at a time).
    """
    for value in np.flatnonzero(np.bincount(labels.ravel(), minlength=256)):
        if value:
            regions = ClassRegions(labels, int(value))
            for number, rings in regions.polygons(min_area):
                yield regions, number, rings


def label_polygons(
        labels: np.ndarray,
        min_area: float = 0.0) -> Iterator[Tuple[int, List[np.ndarray]]]:
    """The regions of every non-zero class as polygons with holes.

    Args:
        labels (np.ndarray): ``(h, w)`` uint8 label map.
        min_area (float): Regions of at most this many pixels are left out,
            and holes of at most this many pixels are filled (left out of
            their polygon). Defaults to 0 (every region, every hole).

    Yields:
        tuple[int, list[np.ndarray]]: The class, and the region's closed
        rings, as :meth:`ClassRegions.polygons` gives them; class by class,
        each in raster order of its regions' first pixels.
    """
    for regions, _, rings in region_polygons(labels, min_area):
        yield regions.value, rings
