"""Label rasters of class polygons over a window of a slide.

The window is drawn on its own (a caller labels a slide window by window,
or band by band, so memory holds one window whatever the slide's size).

* **Pixel-centre rule**: a pixel takes a polygon's class when its centre
  lies inside the polygon (GDAL's rasterisation through rasterio, without
  ``all_touched``): a polygon covering half a pixel labels it or not by
  where its centre falls, and a polygon's pixel count approaches its area.
* **Holes** are holes: their pixels keep whatever lies below (a lower
  grade's polygon, or ``fill``).
* **Overlaps go to the higher class index**: polygons are drawn in
  ascending class index, later over earlier. In MTCHI's order
  (background < normal < CIN1 < CIN2 < CIN3) that is the higher grade, as
  a pathologist grades a region by its worst lesion.
"""
from typing import Mapping, Sequence, Tuple

import numpy as np

from ..optional import import_extra
from .readers import ClassPolygon

# mmseg's ignore index: pixels no polygon covers, unless told otherwise.
IGNORE_INDEX = 255


def rasterize_annotations(polygons: Sequence[ClassPolygon],
                          class_index: Mapping[str, int],
                          window: Tuple[float, float, float, float],
                          downsample: float,
                          fill: int = IGNORE_INDEX) -> np.ndarray:
    """The label raster of a window at a downsample.

    Args:
        polygons (Sequence[ClassPolygon]): Polygons in level-0 pixels;
            those whose name is not in ``class_index`` (ignored classes) are
            not drawn.
        class_index (Mapping[str, int]): Class index of each drawn name
            (:func:`~.classes.class_mapping`), 0-254.
        window (tuple): ``(x0, y0, width, height)`` in level-0 pixels.
        downsample (float): Level-0 pixels per raster pixel; the raster is
            ``(round(height / downsample), round(width / downsample))``,
            pixel ``(r, c)`` centred at level-0 ``(x0 + (c + 0.5) *
            downsample, y0 + (r + 0.5) * downsample)``.
        fill (int): Label of pixels no polygon covers. Defaults to 255
            (mmseg's ignore index); MTCHI's convention is 0, background.

    Returns:
        np.ndarray: ``(H, W)`` uint8 labels.
    """
    x0, y0, width, height = window
    shape = (int(round(height / downsample)), int(round(width / downsample)))
    x1, y1 = x0 + width, y0 + height
    shapes = sorted(
        ((p.geometry(), class_index[p.name]) for p in polygons
         if p.name in class_index and _overlaps(p.bounds, x0, y0, x1, y1)),
        key=lambda item: item[1])
    if not shapes or 0 in shape:
        return np.full(shape, fill, np.uint8)
    features = import_extra('rasterio.features', 'wsi')
    transform = import_extra('rasterio.transform',
                             'wsi').Affine(downsample, 0, x0, 0, downsample,
                                           y0)
    return features.rasterize(
        shapes,
        out_shape=shape,
        fill=fill,
        transform=transform,
        all_touched=False,
        dtype=np.uint8)


def _overlaps(bounds, x0, y0, x1, y1) -> bool:
    return bounds[0] < x1 and bounds[2] > x0 and bounds[1] < y1 and \
        bounds[3] > y0
