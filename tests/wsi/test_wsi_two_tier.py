"""A three-grade model's slide outputs in two tiers (LSIL = CIN1, HSIL =
CIN2 + CIN3): labels, areas, GeoJSON names and merged polygons."""
import json

import cv2
import numpy as np
import pytest
import tifffile
from fixtures.wsi_slides import ColourModel, painted_slide

from mmseg_hsp.cli.infer_wsi import parse_args
from mmseg_hsp.wsi.classes import SlideClasses
from mmseg_hsp.wsi.segmenter import SlideSegmenter

SMALL = dict(tile=64, stride=16, batch_size=16)
PINK, GREEN = (230, 130, 200), (0, 200, 0)
BLUE, RED = (0, 0, 200), (200, 0, 0)


def region(tmp_path):
    """128x160 at x10 (1 um/px): pink 112x144 epithelium holding a 20x30
    CIN1, and side by side a 40x30 CIN2 and a 40x20 CIN3 (one HSIL
    region of 40x50)."""
    rgb = painted_slide(128, 160, [(8, 8, 112, 144, PINK),
                                   (20, 20, 20, 30, GREEN),
                                   (60, 60, 40, 30, BLUE),
                                   (60, 90, 40, 20, RED)])
    path = tmp_path / 'r.png'
    cv2.imwrite(str(path), rgb[..., ::-1])
    return str(path)


def run(path, out, two_tier):
    return SlideSegmenter.from_model(
        ColourModel(), blend=SMALL, progress=False,
        resolution=dict(input_magnification=10),
        outputs=dict(two_tier=two_tier, tissue_mask=False)).run(
            path, str(out))


def test_areas_are_summed_per_tier_exactly(tmp_path):
    path = region(tmp_path)
    grades = run(path, tmp_path / 'grades', False)
    tiers = run(path, tmp_path / 'tiers', True)
    assert tiers['classes'] == ['background', 'normal', 'LSIL', 'HSIL']
    pixels = {k: v['pixels'] for k, v in tiers['areas'].items()}
    assert pixels == dict(background=128 * 160 - 112 * 144,
                          normal=112 * 144 - 600 - 2000, LSIL=600,
                          HSIL=40 * 30 + 40 * 20)
    assert pixels['HSIL'] == grades['areas']['CIN2']['pixels'] + \
        grades['areas']['CIN3']['pixels']
    assert tiers['areas']['HSIL']['mm2'] == pytest.approx(0.002)
    labels = tifffile.imread(tiers['outputs']['labels'], key=0)
    assert np.unique(labels).tolist() == [0, 1, 2, 3]
    description = json.loads(
        tifffile.TiffFile(tiers['outputs']['labels']).pages[0].description)
    assert description['classes'] == tiers['classes']


def test_geojson_names_tiers_and_merges_hsil(tmp_path):
    summary = run(region(tmp_path), tmp_path / 'out', True)
    with open(summary['outputs']['geojson']) as f:
        features = json.load(f)['features']
    names = [f['properties']['classification']['name'] for f in features]
    assert sorted(names) == ['HSIL', 'LSIL', 'normal']
    hsil, = [f for f in features
             if f['properties']['classification']['name'] == 'HSIL']
    assert hsil['properties']['measurements']['Area µm^2'] == 2000
    assert summary['geojson_features_per_class'] == dict(normal=1, LSIL=1,
                                                         HSIL=1)


def test_tier_colours_and_refusal_without_grades():
    classes = SlideClasses(['background', 'normal', 'CIN1', 'CIN2', 'CIN3'],
                           [[0, 0, 0], [9, 9, 9], [0, 255, 0], [0, 0, 255],
                            [255, 0, 0]], 'checkpoint')
    tiers, table = classes.two_tier()
    assert tiers.palette == [[0, 0, 0], [9, 9, 9], [0, 255, 0], [255, 0, 0]]
    assert table.tolist() == [0, 1, 2, 3, 3]
    with pytest.raises(ValueError, match='need the classes CIN1, CIN2, CIN3'):
        SlideClasses(['a', 'b'], [[0, 0, 0]] * 2, 'generic').two_tier()


def test_infer_wsi_flag():
    args = parse_args(['c.py', 'm.pth', 's.svs', '--out-dir', 'o',
                       '--two-tier'])
    assert args.two_tier
