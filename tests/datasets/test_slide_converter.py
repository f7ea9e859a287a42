"""The slides converter (tools/dataset_converters/slides.py) on a small
generated pyramid annotated as QuPath GeoJSON, ASAP XML and a label image."""
import gc
import os
import os.path as osp
import tracemalloc

import cv2
import numpy as np
import pytest
from conftest import REPO_ROOT
from fixtures.annotation_files import write_asap_xml, write_qupath_geojson
from fixtures.folder_digest import folder_digest
from fixtures.wsi_slides import painted_slide, write_pyramid
from matplotlib.path import Path

from mmseg_hsp.annotations import ClassPolygon
from mmseg_hsp.cli.convert_slides import main
from mmseg_hsp.datasets.slide_labels import AnnotationLabels

# A 320x256 slide at x20 (0.5 um/px), cut at x10: 160x128, downsample 2.
SIZE, MPP, DOWNSAMPLE = (256, 320), 0.5, 2
CROP = ['--patch-size', '32', '--stride', '16', '--folds', '2',
        '--no-progress']
# (name, exterior, holes) in level-0 pixels: CIN1 with a hole, a CIN3
# square overlapping it (the overlap is CIN3), a normal quadrilateral, a
# self-intersecting CIN2 bow-tie, and a normal square reaching past the
# right edge. Names in the spellings pathologists use.
POLYGONS = [
    ('CIN 1', [(20, 20), (200, 20), (200, 200), (20, 200)],
     [[(60, 60), (100, 60), (100, 100), (60, 100)]]),
    ('cin-3', [(150, 150), (260, 150), (260, 240), (150, 240)], []),
    ('Normal', [(220, 20), (300, 30), (290, 120), (230, 110)], []),
    ('CIN2', [(30, 210), (90, 250), (90, 210), (30, 250)], []),
    ('normal', [(280, 160), (360, 160), (360, 230), (280, 230)], []),
]
GRADES = {'cin1': 2, 'cin3': 4, 'normal': 1, 'cin2': 3}


def expected_labels(polygons=POLYGONS):
    """The labels at x10 by an independent rule: each pixel centre tested
    against each polygon (matplotlib), higher grades drawn last."""
    h, w = SIZE[0] // DOWNSAMPLE, SIZE[1] // DOWNSAMPLE
    ys, xs = np.mgrid[0:h, 0:w]
    centres = np.stack([(xs.ravel() + 0.5) * DOWNSAMPLE,
                        (ys.ravel() + 0.5) * DOWNSAMPLE], 1)
    labels = np.zeros(h * w, np.uint8)
    key = lambda p: GRADES[p[0].lower().replace(' ', '').replace('-', '')]
    for polygon in sorted(polygons, key=key):
        inside = Path(polygon[1]).contains_points(centres)
        for hole in polygon[2]:
            inside &= ~Path(hole).contains_points(centres)
        labels[inside] = key(polygon)
    return labels.reshape(h, w)


@pytest.fixture
def slide_dir(tmp_path):
    slides = tmp_path / 'slides'
    slides.mkdir()
    rgb = painted_slide(*SIZE, [(10, 10, 230, 300, (230, 130, 200))])
    for name in ('A', 'B'):
        write_pyramid(str(slides / f'{name}.tiff'), rgb, mpp=MPP)
    return slides


def annotate(folder, kind, names=('A', 'B'), polygons=POLYGONS):
    folder.mkdir(exist_ok=True)
    for name in names:
        if kind == 'geojson':
            write_qupath_geojson(str(folder / f'{name}.geojson'), polygons)
        else:
            write_asap_xml(str(folder / f'{name}.xml'), polygons)
    return folder


def truth(out, name):
    return cv2.imread(
        str(out / 'CrossVal' / 'Patches' / 'Truth' / f'Mask_{name}.png'),
        cv2.IMREAD_UNCHANGED)


def test_geojson_and_asap_give_identical_labels_matching_the_polygons(
        tmp_path, slide_dir, capsys):
    outs = {}
    for kind in ('geojson', 'xml'):
        annotations = annotate(tmp_path / kind, kind)
        outs[kind] = tmp_path / f'out_{kind}'
        assert main([str(slide_dir), str(annotations), '--out-dir',
                     str(outs[kind])] + CROP) == 0
        err = capsys.readouterr().err
        # Repaired and clipped, said once per file.
        assert '1 invalid (self-intersecting) polygons repaired' in err
        assert '0 polygons outside slide' in err and \
            '1 reaching past its edge clipped' in err
    truths = [folder_digest(o / 'CrossVal' / 'Patches' / 'Truth')
              for o in outs.values()]
    assert truths[0] == truths[1]
    expected = expected_labels()
    out = outs['geojson']
    names = sorted(p[:-4] for p in os.listdir(out / 'CrossVal' / 'Patches'
                                              / 'Img'))
    assert names and all(n.startswith(('A_', 'B_')) for n in names)
    agree = total = 0
    for name in names:
        y, x = map(int, name.split('_')[1:])
        label = truth(out, name)
        agree += (label == expected[y:y + 32, x:x + 32]).sum()
        total += label.size
        assert (expected[y:y + 32, x:x + 32] != 0).mean() >= 0.2
    assert agree / total >= 0.999
    # Every grade is in the patches; the overlap is CIN3, the hole keeps
    # nothing below it (background).
    assert set(np.unique(np.concatenate(
        [truth(out, n).ravel() for n in names]))) == {0, 1, 2, 3, 4}
    # Two slides, two folds: one in Test/, the other in TrainingPatches/.
    train = os.listdir(out / 'TrainingPatches' / 'Img')
    test = os.listdir(out / 'Test' / 'Img')
    assert sorted(train + test) == sorted(n + '.png' for n in names)
    assert {n[0] for n in train} | {n[0] for n in test} == {'A', 'B'}
    assert not {n[0] for n in train} & {n[0] for n in test}
    assert len(os.listdir(out / 'CrossVal' / 'Regions' / 'Truth')) == \
        len(names)
    splits = out / 'CrossVal' / 'splits'
    assert sorted((splits / 'fold0_test.txt').read_text().split()) == \
        sorted(t[:-4] for t in test)


def test_shipped_config_trains_on_the_output_with_only_data_root(
        tmp_path, slide_dir):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS

    import mmseg_hsp  # noqa: F401 (registers the dataset and its transform)
    out = tmp_path / 'out'
    assert main([str(slide_dir), str(annotate(tmp_path / 'a', 'geojson')),
                 '--out-dir', str(out)] + CROP) == 0
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs',
                                   'hspnet_r101_mtchi.py'))
    init_default_scope('mmseg')
    for loader in ('train_dataloader', 'val_dataloader'):
        dataset_cfg = cfg[loader].dataset
        dataset_cfg.data_root = str(out)
        dataset = DATASETS.build(dataset_cfg)
        sample = dataset[0]
        assert sample['data_samples'].gt_sem_seg.data.max() <= 4


def window_pass_peak(side):
    """tracemalloc peak of labelling every 64 px window (stride 32) of a
    ``side`` x ``side`` level-0 slide at downsample 2, tiled with squares."""
    polygons = [
        ClassPolygon('CIN1', np.array([(x, y), (x + 40, y), (x + 40, y + 40),
                                       (x, y + 40)], np.float64))
        for y in range(0, side, 64) for x in range(0, side, 64)
    ]
    labels = AnnotationLabels(polygons, {'CIN1': 2}, 2.0)
    target = side // 2
    origins = [(y, x) for y in range(0, target - 63, 32)
               for x in range(0, target - 63, 32)]
    total = 0.0  # not a list of shares: it would grow with the slide
    tracemalloc.start()
    try:
        for y, x in origins:
            total += labels.annotated_share(y, x, 64)
            if x == 0:
                # rasterio leaves cyclic garbage (its Env, Affine objects)
                # that Python frees at its next full collection: count
                # what is live, not when the collector happens to run.
                gc.collect()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # A 40 px square every 64 px covers 39 % of the slide.
    assert total / len(origins) == pytest.approx(40**2 / 64**2, abs=0.02)
    return peak


def test_memory_stays_flat_as_the_slide_grows():
    small, large = window_pass_peak(1024), window_pass_peak(2048)
    assert large < 1.5 * small, (small, large)


class CroppedReader:
    """What annotation_labels asks of a slide: a 1000x800 level 0 of which
    QuPath shows the OpenSlide bounds (100, 50, 600, 500)."""
    level_dimensions = [(1000, 800)]
    bounds = (100, 50, 600, 500)


@pytest.mark.parametrize('kind, qupath_frame, origin', [
    ('geojson', True, (100, 50)), ('geojson', False, (0, 0)),
    ('asap', True, (0, 0))])
def test_qupath_coordinates_start_at_the_frame_qupath_shows(
        kind, qupath_frame, origin):
    from mmseg_hsp.annotations import AnnotationSet
    from mmseg_hsp.datasets.mtchi_patches import SlideGeometry
    from mmseg_hsp.datasets.slide_labels import annotation_labels
    square = ClassPolygon('CIN1', np.array([(0, 0), (20, 0), (20, 20),
                                            (0, 20), (-4, 10)], float))
    said = []
    labels = annotation_labels(
        AnnotationSet([square], {}, kind), {'CIN1': 2}, qupath_frame,
        said.append, 'f.geojson',
        SlideGeometry('s.mrxs', CroppedReader(), 2.0, (400, 500)))
    # Level-0 (x, y) = file (x, y) + origin, read at downsample 2.
    x, y = origin[0] // 2, origin[1] // 2
    assert (labels.read(y, x, 10) == 2).all()
    assert labels.annotated_share(y + 5, x + 5, 10) == 0.25
    # (-4, 10) lies past the slide's edge only where no frame moves it.
    assert said == ([] if origin[0] else [
        'f.geojson: 0 polygons outside slide s.mrxs (1000x800) left out, 1 '
        'reaching past its edge clipped; check that the file belongs to '
        'this slide'])
