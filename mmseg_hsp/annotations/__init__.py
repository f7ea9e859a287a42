"""Annotations drawn on slides (QuPath GeoJSON, ASAP XML) as class polygons
in level-0 pixels, their class names matched to a config's classes, and
their label raster over any window of a slide.

* :mod:`.readers`: :func:`read_annotations` (format told by content);
* :mod:`.classes`: :func:`class_mapping`, :func:`parse_class_map`;
* :mod:`.raster`: :func:`rasterize_annotations` (window by window).

A low layer beside :mod:`mmseg_hsp.slide_io`: it imports numpy, shapely and
rasterio (the ``wsi`` extra), nothing of the model, dataset or slide side.
"""
from .classes import class_mapping, normalise_class_name, parse_class_map
from .raster import rasterize_annotations
from .readers import AnnotationSet, ClassPolygon, read_annotations

__all__ = [
    'AnnotationSet', 'ClassPolygon', 'read_annotations', 'class_mapping',
    'normalise_class_name', 'parse_class_map', 'rasterize_annotations'
]
