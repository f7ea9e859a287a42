"""Label-map regions as valid polygons whose areas are their pixel counts.

Rings follow the pixel edges (GDAL's polygonizer through rasterio's
``features.shapes``), not the pixel centres: a region of ``n`` pixels is a
polygon of area ``n``, holes included, and every polygon is valid in the OGC
sense that QuPath (JTS), shapely and GIS tools require. Regions are
4-connected, so pixels touching only at a corner are separate polygons;
8-connected tracing would give rings that touch themselves at that corner,
which is invalid.
"""
from typing import Iterator, List, Tuple

import numpy as np

from ..optional import import_extra


def ring_area(ring: np.ndarray) -> float:
    """The area enclosed by a closed ring (shoelace formula).

    Args:
        ring (np.ndarray): ``(n, 2)`` points, the last equal to the first.

    Returns:
        float: The unsigned area.
    """
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2


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
        rings, outer ring first, as ``(n, 2)`` float arrays of ``(x, y)``
        pixel-edge coordinates: pixel ``(row, col)`` is the unit square
        from ``(col, row)`` to ``(col + 1, row + 1)``. In raster order of
        the regions' first pixels.

    Raises:
        MissingExtraError: Without rasterio (the ``wsi`` extra).
    """
    features = import_extra('rasterio.features', 'wsi')
    for geometry, value in features.shapes(labels,
                                           mask=labels > 0,
                                           connectivity=4):
        outer, *holes = (np.asarray(ring, np.float64)
                         for ring in geometry['coordinates'])
        if ring_area(outer) <= min_area:
            continue
        yield int(value), [outer] + [
            hole for hole in holes if ring_area(hole) > min_area
        ]
