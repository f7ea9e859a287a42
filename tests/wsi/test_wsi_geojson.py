"""Issue 11, case 10: every GeoJSON polygon is valid and has its pixels' area.

QuPath (JTS), shapely and GIS tools refuse or miscompute self-intersecting
rings; a polygon through the border pixels' centres is also half a pixel
short all round. The label maps here have holes, regions of two classes
touching, one-pixel diagonal chains and a ring whose inside reaches the
outside only through a corner: the shapes contour tracing gets wrong.
"""
import json

import numpy as np
import shapely
from fixtures.wsi_slides import ColourModel, painted_slide, write_pyramid
from shapely.geometry import shape
from shapely.validation import explain_validity

from mmseg_hsp.wsi.segmenter import SlideSegmenter
from mmseg_hsp.wsi.writers import write_geojson

NAMES = ['background', 'Normal', 'CIN1', 'CIN2', 'CIN3']
PALETTE = [[0, 0, 0], [255, 255, 255], [0, 255, 0], [0, 0, 255],
           [255, 0, 0]]


def tricky_labels():
    labels = np.zeros((40, 48), np.uint8)
    labels[2:20, 2:20] = 1
    labels[8:12, 8:12] = 0  # a hole
    labels[7, 12] = 0  # a hole pixel touching the hole at a corner
    labels[2:20, 20:30] = 2  # touches the normal region along an edge
    for k in range(6):  # a one-pixel diagonal chain
        labels[22 + k, 2 + k] = 3
    labels[22:27, 20:25] = 4  # a ring of CIN3 ...
    labels[24, 22] = 0  # ... whose inside ...
    labels[23, 23] = 0
    labels[22, 24] = 0  # ... reaches the outside through corners
    labels[30:38, 30:46] = 1
    labels[33, 33] = 0  # a one-pixel hole
    labels[33, 40] = 0
    labels[34, 41] = 0  # two hole pixels touching at a corner
    return labels


def read_features(path):
    with open(path) as f:
        collection = json.load(f)
    return [(feature['properties']['classification']['name'],
             shape(feature['geometry'])) for feature in collection['features']]


def test_polygons_are_valid_and_areas_are_pixel_counts(tmp_path):
    labels = tricky_labels()
    path = tmp_path / 'regions.geojson'
    count = write_geojson(str(path), labels, 1.0, (0, 0), NAMES, PALETTE)
    features = read_features(path)
    assert count == len(features)
    for name, polygon in features:
        assert polygon.is_valid, f'{name}: {explain_validity(polygon)}'
    for value in range(1, 5):
        area = sum(polygon.area for name, polygon in features
                   if name == NAMES[value])
        assert area == (labels == value).sum(), NAMES[value]
    # holes are kept: the normal square's two holes (one touching the other
    # at a corner) and the lower block's three hole pixels
    normal = sorted((p for n, p in features if n == 'Normal'),
                    key=lambda p: p.bounds)
    assert [len(p.interiors) for p in normal] in ([1, 3], [2, 3], [1, 2])
    assert sum(shapely.area(shapely.polygons(h)) for p in normal
               for h in p.interiors) == 4 * 4 + 1 + 3
    # a diagonal chain of pixels is one polygon per pixel (4-connected)
    assert sum(n == 'CIN2' for n, _ in features) == 6


def test_polygons_scale_to_level0_and_small_regions_are_dropped(tmp_path):
    labels = tricky_labels()
    path = tmp_path / 'regions.geojson'
    write_geojson(str(path), labels, 4.0, (100, 200), NAMES, PALETTE,
                  min_area=1)
    features = read_features(path)
    assert all(p.is_valid for _, p in features)
    # the single CIN2 pixels are gone; the 10x18 CIN1 block is in level-0
    # units, from its pixel edges
    assert not any(n == 'CIN2' for n, _ in features)
    (cin1, ), = [[p for n, p in features if n == 'CIN1']]
    assert cin1.bounds == (100 + 20 * 4, 200 + 2 * 4, 100 + 30 * 4,
                           200 + 20 * 4)
    assert cin1.area == 18 * 10 * 16


def test_slide_geojson_areas_agree_with_the_summary(tmp_path):
    rgb = painted_slide(480, 640, [(80, 80, 320, 480, (230, 130, 200)),
                                   (160, 240, 96, 128, (200, 0, 0))])
    # a checkerboard of analysis pixels (4x4 level-0 pixels) of CIN1:
    # regions touching at corners
    board = np.indices((10, 20)).sum(0) % 2 == 0
    rgb[300:340, 100:180][np.kron(board, np.ones((4, 4), bool))] = (0, 200,
                                                                     0)
    path = tmp_path / 'slide.tif'
    write_pyramid(path, rgb, mpp=0.25, levels=3)
    summary = SlideSegmenter.from_model(
        ColourModel(),
        blend=dict(mode='gauss', tile=64, stride=32, batch_size=16),
        outputs=dict(geojson_min_area=0),
        progress=False).run(str(path), str(tmp_path / 'out'))
    features = read_features(summary['outputs']['geojson'])
    assert features
    for name, polygon in features:
        assert polygon.is_valid, f'{name}: {explain_validity(polygon)}'
    # polygons are in level-0 pixels (0.25 um), the summary in mm^2
    for name, area in summary['areas'].items():
        if name == 'background':
            continue
        geojson_mm2 = sum(p.area for n, p in features
                          if n == name) * (0.25e-3)**2
        assert abs(geojson_mm2 - area['mm2']) < 1e-9, name
