"""Output writers: atomic files, label pyramid, polygons, overlay, areas."""
import cv2
import numpy as np
import pytest

from mmseg_hsp.wsi.polygons import label_polygons, ring_area
from mmseg_hsp.wsi.writers import (LabelPyramid, atomic_output, class_areas,
                                   colormap, render_overlay)


def test_atomic_output_renames_on_success_and_cleans_up_on_error(tmp_path):
    target = tmp_path / 'a.json'
    with atomic_output(str(target)) as partial:
        assert partial.endswith('.json') and '.partial-' in partial
        with open(partial, 'w') as f:
            f.write('{}')
        assert not target.exists()
    assert target.read_text() == '{}'
    with pytest.raises(RuntimeError):
        with atomic_output(str(tmp_path / 'b.json')) as partial:
            with open(partial, 'w') as f:
                f.write('{')
            raise RuntimeError('interrupted')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.json']


def test_label_pyramid_streams_levels_and_counts(tmp_path):
    labels = np.random.default_rng(0).integers(0, 5, (700, 530), np.uint8)
    pyramid = LabelPyramid((700, 530), str(tmp_path))
    assert pyramid.sizes == [(700, 530), (350, 265), (175, 133)]
    for top in range(0, 700, 97):  # bands of odd heights
        pyramid.append(labels[top:top + 97])
    pyramid.finish()
    for k in range(3):
        np.testing.assert_array_equal(pyramid.level(k),
                                      labels[::2**k, ::2**k])
    assert pyramid.counts[:5].tolist() == np.bincount(labels.ravel()).tolist()
    assert pyramid.finest_level_within(400) == 1
    tiles = list(pyramid.tiles(1))
    assert len(tiles) == 2 * 2 and tiles[0].shape == (256, 256)
    np.testing.assert_array_equal(tiles[3][:350 - 256, :265 - 256],
                                  labels[512::2, 512::2])
    assert (tiles[3][350 - 256:] == 0).all()
    pyramid.close()
    assert list(tmp_path.iterdir()) == []


def test_unfinished_pyramid_is_an_error(tmp_path):
    pyramid = LabelPyramid((10, 10), str(tmp_path))
    pyramid.append(np.zeros((4, 10), np.uint8))
    with pytest.raises(RuntimeError, match='4 of 10 rows'):
        pyramid.finish()
    pyramid.close()


def test_polygons_keep_holes_drop_specks_and_follow_pixel_edges():
    labels = np.zeros((60, 100), np.uint8)
    labels[10:50, 10:70] = 2
    labels[20:30, 20:30] = 0  # a hole
    labels[5, 5] = 2  # a single pixel: area 1
    cv2.circle(labels, (85, 30), 6, 3, -1)

    def regions(value, min_area=0):
        return [rings for v, rings in label_polygons(labels, min_area)
                if v == value]

    square, pixel = sorted(regions(2), key=len, reverse=True)
    outer, hole = square
    # rings follow the pixel edges: pixel (row, col) spans col..col+1
    assert (outer.min(0).tolist(), outer.max(0).tolist()) == ([10, 10],
                                                             [70, 50])
    assert len(outer) == 5  # four corners, closed
    assert (hole.min(0).tolist(), hole.max(0).tolist()) == ([20, 20],
                                                           [30, 30])
    assert ring_area(pixel[0]) == 1
    (disc, ), = regions(3)
    assert ring_area(disc) == (labels == 3).sum()
    radius = np.hypot(*(disc - (85.5, 30.5)).T)
    assert np.all(np.abs(radius - 6) <= 1)
    assert regions(4) == []
    # specks up to min_area are left out: the disc is ~113 px, the square
    # 2400 px with a 100 px hole
    assert regions(3, min_area=150) == []
    (outer_only, ), = regions(2, min_area=150)
    assert len(outer_only) == 5


def test_colormap_areas_and_overlay():
    palette = [[0, 0, 0], [255, 255, 255], [0, 255, 0]]
    table = colormap(palette)
    assert table.shape == (3, 256) and table.dtype == np.uint16
    assert table[:, 2].tolist() == [0, 65535, 0]
    assert table[:, 3].tolist() == [0, 0, 0]
    areas = class_areas(np.array([6, 0, 4]), ['bg', 'a', 'b'], mpp=2.0)
    assert areas['b'] == dict(pixels=4, mm2=16e-6)
    assert class_areas(np.array([1]), ['bg'], None)['bg']['mm2'] is None
    rgb = np.full((2, 2, 3), 200, np.uint8)
    labels = np.array([[0, 2], [1, 0]], np.uint8)
    out = render_overlay(rgb, labels, palette)
    assert out.shape == (2, 4, 3)
    assert out[0, 0].tolist() == [200, 200, 200]  # background as scanned
    assert out[0, 1].tolist() == [100, 228, 100]  # half green
    assert out[:, 2:].tolist() == [[[0, 0, 0], [0, 255, 0]],
                                   [[255, 255, 255], [0, 0, 0]]]
