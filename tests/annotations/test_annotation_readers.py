"""Annotation files read into level-0 class polygons: real QuPath and ASAP
files (tests/fixtures/annotations), this package's own GeoJSON, every
layout variant, repairs, and one-line errors."""
import json
import os.path as osp

import numpy as np
import pytest
from conftest import TESTS_DIR
from fixtures.annotation_files import write_asap_xml, write_qupath_geojson

from mmseg_hsp.annotations import (class_mapping, rasterize_annotations,
                                   read_annotations)

REAL = osp.join(TESTS_DIR, 'fixtures', 'annotations')
SQUARE = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]


def feature(geometry, **properties):
    return dict(type='Feature', geometry=geometry, properties=properties)


def polygon(*rings):
    return dict(type='Polygon', coordinates=list(rings))


def write(tmp_path, content, name='a.geojson'):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else
                    json.dumps(content))
    return str(path)


def test_real_qupath_export_without_classes_skips_and_counts_them():
    # QuPath 0.5: three annotations with a name ('UT', 'I') but no class;
    # an object's name is not its class.
    read = read_annotations(osp.join(REAL, 'dlup_qupath05.geojson'))
    assert (read.format, read.polygons, read.skipped, read.repaired) == \
        ('geojson', [], {'no class': 3}, 0)


def test_real_asap_file_reads_its_polygon_exactly():
    read = read_annotations(osp.join(REAL, 'dlup_asap_example.xml'))
    assert read.format == 'asap' and read.skipped == {}
    (only, ) = read.polygons
    assert only.name == 'healthy glands' and only.holes == ()
    assert only.exterior.dtype == np.float64
    assert only.exterior.shape == (9, 2)
    assert only.exterior[0].tolist() == [11826.0, 12804.0]
    assert only.exterior[-1].tolist() == [11842.0, 12810.0]


@pytest.mark.parametrize('scale, origin', [(1, (0, 0)), (2, (10, 20))])
def test_own_geojson_output_rasterises_back_to_its_label_map(
        tmp_path, scale, origin):
    """The slide pipeline's GeoJSON (pixel-edge polygons, level-0
    coordinates, the dataset's class names) drawn by the pixel-centre rule at its
    own scale is its label map again, holes included."""
    from mmseg_hsp.datasets import MTCHI_CLASSES, MTCHI_PALETTE
    from mmseg_hsp.wsi.writers import write_geojson
    labels = np.zeros((24, 32), np.uint8)
    labels[2:20, 3:30] = 2
    labels[6:12, 8:14] = 0  # a hole
    labels[14:22, 20:31] = 4  # touching CIN1
    labels[1:4, 1:3] = 1
    names = list(MTCHI_CLASSES)
    path = str(tmp_path / 'own.geojson')
    write_geojson(path, labels, scale, origin, names, MTCHI_PALETTE)
    read = read_annotations(path)
    assert sorted({p.name for p in read.polygons}) == ['CIN1', 'CIN3',
                                                       'normal']
    assert any(p.holes for p in read.polygons)
    index = class_mapping({p.name: 1 for p in read.polygons}, MTCHI_CLASSES)
    drawn = rasterize_annotations(read.polygons, index,
                                  (*origin, 32 * scale, 24 * scale), scale,
                                  fill=0)
    assert (drawn == labels).all()


def test_geojson_layouts_and_what_is_skipped(tmp_path):
    cls = dict(classification=dict(name='CIN2'))
    features = [
        feature(polygon(SQUARE), objectType='annotation', **cls),
        feature(polygon(SQUARE), objectType='detection', **cls),
        feature(polygon(SQUARE), objectType='cell', **cls),
        feature(polygon(SQUARE), objectType='tile', **cls),
        feature(polygon(SQUARE), objectType='annotation'),  # no class
        feature(dict(type='Point', coordinates=[1, 2]), **cls),
        dict(type='Feature', geometry=None, properties=cls),
        feature(polygon(SQUARE), classification='CIN2'),  # a bare name
        # QuPath 0.1 told the object's type by its id.
        dict(feature(polygon(SQUARE), **cls), id='PathDetectionObject'),
        feature(dict(type='MultiPolygon', coordinates=[
            [SQUARE, [[1, 1], [2, 1], [2, 2], [1, 1]]],
            [[[10, 10], [12, 10], [12, 12], [10, 10]]]]), **cls),
    ]
    read = read_annotations(write(tmp_path, dict(
        type='FeatureCollection', features=features)))
    assert read.skipped == {'detection': 2, 'cell': 1, 'tile': 1,
                            'no class': 1, 'Point': 1, 'no geometry': 1}
    assert [len(p.holes) for p in read.polygons] == [0, 0, 1, 0]
    assert read.polygons[2].holes[0][0].tolist() == [1.0, 1.0]
    assert read.polygons[3].exterior[0].tolist() == [10.0, 10.0]
    # A bare list of features, and one Feature, read the same.
    assert len(read_annotations(write(tmp_path, features)).polygons) == 4
    assert len(read_annotations(write(tmp_path, features[0])).polygons) == 1


def test_self_intersecting_polygons_are_repaired_and_counted(tmp_path):
    from matplotlib.path import Path

    # Edges cross at (4, 3); no pixel centre lies on an edge.
    bow_tie = [[0, 0], [8, 6], [8, 0], [0, 6], [0, 0]]
    read = read_annotations(write(tmp_path, [
        feature(polygon(bow_tie), classification=dict(name='CIN3')),
        feature(polygon(SQUARE), classification=dict(name='CIN3')),
    ]))
    assert read.repaired == 1
    assert len(read.polygons) == 3  # two triangles and the square
    drawn = rasterize_annotations(read.polygons[:2], {'CIN3': 4},
                                  (0, 0, 8, 6), 1.0, fill=0)
    # Its two lobes, as a pixel-centre test of the ring itself finds them.
    ys, xs = np.mgrid[0:6, 0:8] + 0.5
    inside = Path(bow_tie).contains_points(np.stack([xs.ravel(),
                                                     ys.ravel()], 1))
    assert (drawn == 4 * inside.reshape(6, 8)).all()
    assert drawn[:, :2].any() and drawn[:, 6:].any() and \
        not drawn[0, 3:5].any()


def test_asap_types_groups_and_exclusions(tmp_path):
    path = str(tmp_path / 'a.xml')
    write_asap_xml(path, [('CIN1', [(0, 0), (10, 0), (10, 10), (0, 10)],
                           [[(2, 2), (4, 2), (4, 4), (2, 4)]])],
                   extra_annotations=[
                       ('Rectangle', 'CIN3', [(20, 0), (24, 0), (24, 4),
                                              (20, 4)]),
                       ('Spline', 'Normal', [(30, 0), (34, 0), (32, 3)]),
                       ('Dot', 'CIN1', [(5, 5)]),
                       ('PointSet', 'CIN1', [(5, 5), (6, 6)]),
                       ('Polygon', 'None', [(0, 0), (1, 0), (1, 1)]),
                   ])
    read = read_annotations(path)
    assert read.skipped == {'Dot': 1, 'PointSet': 1, 'no class': 1}
    assert [p.name for p in read.polygons] == ['CIN1', 'CIN3', 'Normal']
    # The '_2' group is a hole of the polygon it lies in, not a polygon.
    assert len(read.polygons[0].holes) == 1
    drawn = rasterize_annotations(read.polygons, {'CIN1': 2}, (0, 0, 6, 6),
                                  1.0, fill=0)
    assert (drawn[2:4, 2:4] == 0).all() and drawn[1, 1] == 2


def test_asap_decimal_comma_and_coordinate_order(tmp_path):
    path = tmp_path / 'a.xml'
    path.write_text(
        '<ASAP_Annotations><Annotations><Annotation Type="Polygon" '
        'PartOfGroup="CIN2"><Coordinates>'
        '<Coordinate Order="1" X="4,5" Y="0" />'
        '<Coordinate Order="0" X="0" Y="0" />'
        '<Coordinate Order="2" X="4,5" Y="4,25" />'
        '</Coordinates></Annotation></Annotations></ASAP_Annotations>')
    (only, ) = read_annotations(str(path)).polygons
    assert only.exterior.tolist() == [[0, 0], [4.5, 0], [4.5, 4.25]]


@pytest.mark.parametrize('content, message', [
    ('', 'empty annotation file'),
    ('  \n\t', 'empty annotation file'),
    ('{"type": "FeatureCollection", "features": [', 'not valid JSON'),
    ('<ASAP_Annotations><Annotations>', 'not valid XML'),
    ('<svg></svg>', 'XML but not ASAP annotations'),
    ('{"type": "Polygon", "coordinates": []}', 'JSON but not GeoJSON'),
    ('x,y\n1,2\n', 'neither JSON nor XML'),
    ('[{"type": "Feature", "properties": {"classification": {"name": "A"}},'
     ' "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1]]]}}]',
     'a ring is not a list of finite [x, y] points'),
])
def test_unreadable_files_raise_one_line_naming_the_file(
        tmp_path, content, message):
    path = write(tmp_path, content, 'bad.geojson')
    with pytest.raises(ValueError) as error:
        read_annotations(path)
    text = str(error.value)
    assert text.startswith(f'{path}: ') and message in text
    assert '\n' not in text


def test_overlaps_go_to_the_higher_class_whatever_the_file_order(tmp_path):
    path = str(tmp_path / 'a.geojson')
    write_qupath_geojson(path, [
        ('CIN3', [(0, 0), (4, 0), (4, 4), (0, 4)], []),
        ('normal', [(2, 0), (8, 0), (8, 4), (2, 4)], []),
        ('Tumor', [(0, 0), (8, 0), (8, 4), (0, 4)], []),  # left out
    ])
    polygons = read_annotations(path).polygons
    drawn = rasterize_annotations(polygons, {'CIN3': 4, 'normal': 1},
                                  (0, 0, 8, 4), 2.0)
    assert drawn.tolist() == [[4, 4, 1, 1], [4, 4, 1, 1]]


def test_pixel_centre_rule_window_and_fill(tmp_path):
    path = str(tmp_path / 'a.geojson')
    # Covers pixel (1, 1)'s centre (1.5, 1.5) only in the first file.
    for right, centre_label in ((1.6, 3), (1.4, 255)):
        write_qupath_geojson(path, [('CIN2', [(0, 0), (right, 0),
                                              (right, right), (0, right)],
                                     [])])
        drawn = rasterize_annotations(read_annotations(path).polygons,
                                      {'CIN2': 3}, (0, 0, 3, 3), 1.0)
        assert drawn[0, 0] == 3 and drawn[1, 1] == centre_label
        assert drawn[2, 2] == 255  # mmseg's ignore index by default
    # A window elsewhere, at a downsample: its own shape, only fill.
    assert rasterize_annotations(
        read_annotations(path).polygons, {'CIN2': 3}, (10, 20, 8, 6), 2.0,
        fill=0).tolist() == [[0] * 4] * 3


def test_class_polygons_are_frozen_and_hashable():
    import dataclasses

    from mmseg_hsp.annotations import ClassPolygon
    polygon = ClassPolygon('CIN1', np.zeros((3, 2)))
    assert polygon in {polygon} and polygon != ClassPolygon(
        'CIN1', np.zeros((3, 2)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        polygon.name = 'CIN2'
    assert polygon.bounds == (0.0, 0.0, 0.0, 0.0)
