"""Reading annotation files into class polygons in level-0 pixels.

Two formats, told apart by content (the first character: ``{``/``[`` is
JSON, ``<`` is XML), not by extension:

* **QuPath GeoJSON** (*File > Export objects as GeoJSON*, and this
  package's own ``NAME.geojson``): a FeatureCollection, a bare list of
  features or one Feature. Polygon and MultiPolygon geometries, holes
  included; the class is ``properties.classification.name``. Objects other
  than annotations (``properties.objectType`` ``detection``, ``cell``,
  ``tile``...; QuPath 0.1's ``PathDetectionObject``... ids), features
  without a class and geometries that are not polygons (points, lines) are
  skipped and counted by kind.
* **ASAP XML** (``ASAP_Annotations/Annotations/Annotation``): ``Polygon``,
  ``Rectangle`` and ``Spline`` annotations are polygons through their
  coordinates in ``Order`` (a spline by its control points, which ASAP
  draws through); other types (``Dot``, ``PointSet``, ``Measurement``) are
  skipped and counted. The class is ``PartOfGroup``; ``None`` (ASAP's
  group of ungrouped annotations) is no class. ASAP has no holes: as in
  CAMELYON, the groups ``_2`` and ``Exclusion`` (any case) are cut out of
  every polygon they overlap, and are not polygons themselves.

Coordinates are level-0 pixels as the file stores them (QuPath's are
relative to the image QuPath shows; see :mod:`mmseg_hsp.slide_io.scale`'s
``analysis_frame``). Invalid polygons (self-intersecting rings, holes
crossing their exterior) are repaired with shapely's ``make_valid`` and
counted in :attr:`AnnotationSet.repaired`: a bow-tie becomes its two
triangles, as every pixel-centre test reads it.
"""
import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, Iterator, List, Sequence, Tuple

import numpy as np

from ..optional import import_extra

# QuPath 0.1 named the object type in the feature's id.
QUPATH_LEGACY_TYPES = {
    'PathAnnotationObject': 'annotation',
    'PathDetectionObject': 'detection',
    'PathCellObject': 'cell',
    'PathTileObject': 'tile',
}
# ASAP groups cut out of the others (CAMELYON16's '_2': non-tumour inside
# tumour), compared in lower case.
ASAP_EXCLUSION_GROUPS = ('_2', 'exclusion')
# ASAP's group of annotations put in none.
ASAP_NO_GROUP = 'None'
ASAP_POLYGON_TYPES = ('Polygon', 'Rectangle', 'Spline')
NO_CLASS = 'no class'


# eq=False: equality and hashing by identity (a field-wise __eq__ would
# compare arrays element by element, and arrays cannot be hashed).
@dataclass(frozen=True, eq=False)
class ClassPolygon:
    """One annotated polygon.

    Args:
        name (str): Its class name, as the file spells it.
        exterior (np.ndarray): ``(N, 2)`` float64 level-0 ``(x, y)``
            vertices of the outer ring (closed or not).
        holes (tuple[np.ndarray, ...]): Inner rings, the same way.
    """
    name: str
    exterior: np.ndarray
    holes: Tuple[np.ndarray, ...] = ()

    @cached_property
    def bounds(self) -> Tuple[float, float, float, float]:
        """``(x_min, y_min, x_max, y_max)`` of the exterior."""
        (x0, y0), (x1, y1) = self.exterior.min(0), self.exterior.max(0)
        return float(x0), float(y0), float(x1), float(y1)

    def geometry(self) -> dict:
        """The polygon as a GeoJSON-like geometry (rasterio, shapely)."""
        return dict(
            type='Polygon',
            coordinates=[ring.tolist() for ring in (self.exterior, ) +
                         tuple(self.holes)])


@dataclass(frozen=True)
class AnnotationSet:
    """What an annotation file holds.

    Args:
        polygons (list[ClassPolygon]): Valid polygons, in file order.
        skipped (dict[str, int]): Objects left out, by kind (``detection``,
            ``no class``, ``Point``, ``Dot``...).
        format (str): ``'geojson'`` or ``'asap'``.
        repaired (int): Invalid polygons repaired (each may have become
            several). Defaults to 0.
    """
    polygons: List[ClassPolygon]
    skipped: Dict[str, int]
    format: str
    repaired: int = field(default=0)


def read_annotations(path: str) -> AnnotationSet:
    """Read a QuPath GeoJSON or ASAP XML annotation file.

    Args:
        path (str): The file; its format is told by its content.

    Returns:
        AnnotationSet: Its polygons and what was skipped.

    Raises:
        ValueError: One line naming the file: empty, neither JSON nor XML,
            unparseable, or not an annotation layout.
    """
    with open(path, 'rb') as f:
        data = f.read()
    text = data.decode('utf-8-sig', errors='replace').lstrip()
    if not text:
        raise ValueError(f'{path}: empty annotation file; export the '
                         'annotations again (QuPath GeoJSON or ASAP XML)')
    if text[0] in '{[':
        try:
            content = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: not valid JSON ({e}); export it again '
                             'from QuPath as GeoJSON') from None
        raw, skipped = _geojson_polygons(content, path)
        kind = 'geojson'
    elif text[0] == '<':
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            raise ValueError(f'{path}: not valid XML ({e}); save it again '
                             'from ASAP') from None
        raw, skipped = _asap_polygons(root, path)
        kind = 'asap'
    else:
        raise ValueError(f'{path}: neither JSON nor XML; give a QuPath '
                         'GeoJSON export or an ASAP XML file')
    polygons, repaired = _valid(raw, skipped)
    return AnnotationSet(polygons, dict(skipped), kind, repaired)


def _ring(points, path: str) -> np.ndarray:
    try:
        ring = np.asarray(points, np.float64)
    except (TypeError, ValueError):
        ring = np.empty(0)  # ragged or not numbers: refused below
    if ring.ndim != 2 or ring.shape[1] < 2 or not np.isfinite(ring).all():
        raise ValueError(f'{path}: a ring is not a list of finite [x, y] '
                         'points; export the file again')
    return ring[:, :2]


def _geojson_features(content, path: str) -> list:
    if isinstance(content, list):
        return content
    if isinstance(content, dict) and content.get('type') == \
            'FeatureCollection':
        return content.get('features') or []
    if isinstance(content, dict) and content.get('type') == 'Feature':
        return [content]
    raise ValueError(f'{path}: JSON but not GeoJSON features (expected a '
                     'FeatureCollection, a list of features or a Feature)')


def _polygon_coordinates(geometry: dict) -> Iterator[list]:
    """Each polygon's rings of a geometry; nothing for other types."""
    kind = geometry.get('type')
    if kind == 'Polygon':
        yield geometry.get('coordinates') or []
    elif kind == 'MultiPolygon':
        yield from geometry.get('coordinates') or []
    elif kind == 'GeometryCollection':
        for part in geometry.get('geometries', []):
            yield from _polygon_coordinates(part)


def _geojson_polygons(content, path: str) -> Tuple[list, Counter]:
    raw, skipped = [], Counter()
    for feature in _geojson_features(content, path):
        if not isinstance(feature, dict):
            raise ValueError(f'{path}: a feature is not a JSON object')
        properties = feature.get('properties') or {}
        kind = properties.get('objectType') or QUPATH_LEGACY_TYPES.get(
            feature.get('id'), 'annotation')
        if kind != 'annotation':
            skipped[kind] += 1
            continue
        classification = properties.get('classification')
        # QuPath writes {"name": ..., "color": ...}; some tools a bare name.
        name = classification.get('name') if isinstance(
            classification, dict) else classification
        if not name or not isinstance(name, str):
            skipped[NO_CLASS] += 1
            continue
        geometry = feature.get('geometry') or {}
        rings = list(_polygon_coordinates(geometry))
        if not rings:
            skipped[geometry.get('type') or 'no geometry'] += 1
        for polygon in rings:
            if polygon:
                raw.append((name, _ring(polygon[0], path),
                            tuple(_ring(r, path) for r in polygon[1:])))
    return raw, skipped


def _asap_polygons(root, path: str) -> Tuple[list, Counter]:
    if root.tag != 'ASAP_Annotations' or root.find('Annotations') is None:
        raise ValueError(f'{path}: XML but not ASAP annotations (expected '
                         f'ASAP_Annotations/Annotations, found <{root.tag}>)')
    raw, exclusions, skipped = [], [], Counter()
    for annotation in root.iter('Annotation'):
        kind = annotation.get('Type', '')
        if kind not in ASAP_POLYGON_TYPES:
            skipped[kind or 'no type'] += 1
            continue
        group = annotation.get('PartOfGroup') or ASAP_NO_GROUP
        coordinates = sorted(
            annotation.iter('Coordinate'),
            key=lambda c: float(c.get('Order', 0)))
        try:
            # Some ASAP versions wrote the locale's decimal comma.
            ring = np.array([[
                float(c.get(axis).replace(',', '.')) for axis in 'XY'
            ] for c in coordinates], np.float64).reshape(-1, 2)
        except (TypeError, ValueError):
            raise ValueError(
                f'{path}: annotation {annotation.get("Name")!r} has a '
                'coordinate without a numeric X or Y') from None
        if group.lower() in ASAP_EXCLUSION_GROUPS:
            exclusions.append(ring)
        elif group == ASAP_NO_GROUP:
            skipped[NO_CLASS] += 1
        else:
            raw.append((group, ring, ()))
    if exclusions:
        raw = _cut_out(raw, exclusions)
    return raw, skipped


def _cut_out(raw: list, exclusions: Sequence[np.ndarray]) -> list:
    """The polygons less every exclusion overlapping them (ASAP's holes)."""
    shapely = import_extra('shapely', 'wsi')
    cut = shapely.union_all(
        [shapely.make_valid(shapely.Polygon(r)) for r in exclusions
         if len(r) >= 3])
    out = []
    for name, exterior, holes in raw:
        polygon = shapely.make_valid(shapely.Polygon(exterior, holes)) \
            if len(exterior) >= 3 else None
        if polygon is None or not polygon.intersects(cut):
            out.append((name, exterior, holes))
            continue
        out += [(name, *rings)
                for rings in _polygon_rings(polygon.difference(cut))]
    return out


def _polygon_rings(
        geometry) -> Iterator[Tuple[np.ndarray, Tuple[np.ndarray, ...]]]:
    """``(exterior, holes)`` of each polygon in a shapely geometry."""
    if geometry.geom_type == 'Polygon' and not geometry.is_empty:
        yield (np.asarray(geometry.exterior.coords, np.float64),
               tuple(
                   np.asarray(r.coords, np.float64)
                   for r in geometry.interiors))
    elif hasattr(geometry, 'geoms'):
        for part in geometry.geoms:
            yield from _polygon_rings(part)


def _valid(raw: list, skipped: Counter) -> Tuple[List[ClassPolygon], int]:
    """ClassPolygons of ``(name, exterior, holes)``, repaired where invalid;
    rings of under 3 distinct points are skipped as ``degenerate``."""
    shapely = import_extra('shapely', 'wsi')
    polygons, repaired = [], 0
    for name, exterior, holes in raw:
        if len(np.unique(exterior, axis=0)) < 3:
            skipped['degenerate'] += 1
            continue
        holes = tuple(h for h in holes if len(np.unique(h, axis=0)) >= 3)
        shape = shapely.Polygon(exterior, holes)
        if shape.is_valid:
            polygons.append(ClassPolygon(name, exterior, holes))
            continue
        repaired += 1
        parts = list(_polygon_rings(shapely.make_valid(shape)))
        if not parts:
            skipped['degenerate'] += 1
        polygons += [ClassPolygon(name, e, h) for e, h in parts]
    return polygons, repaired

