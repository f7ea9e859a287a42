"""One class vocabulary: every output of a slide run names and colours the
classes as the dataset's METAINFO does, in its order."""
import csv
import json
import re

import cv2
import numpy as np
import pydicom
import pytest
import tifffile
from fixtures.dicom_slides import write_dicom_slide
from fixtures.wsi_slides import ColourModel, painted_slide

from mmseg_hsp.datasets import MTCHIDataset
from mmseg_hsp.wsi.classes import NEAR_WHITE
from mmseg_hsp.wsi.report import write_run_report
from mmseg_hsp.wsi.segmenter import SlideSegmenter

hd = pytest.importorskip('highdicom', reason='highdicom is not installed '
                         '(pip install highdicom): no DICOM SEG output')
NAMES = list(MTCHIDataset.METAINFO['classes'])
PALETTE = [list(c) for c in MTCHIDataset.METAINFO['palette']]
PINK, GREEN, BLUE, RED = (230, 130, 200), (0, 200, 0), (0, 0, 200), (200, 0,
                                                                     0)


def test_no_class_but_background_is_drawn_near_white():
    # mmseg's painter writes white label text on each class's colour
    assert all(min(colour) < NEAR_WHITE for colour in PALETTE[1:])


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp('vocabulary')
    (folder / 'case').mkdir()
    write_dicom_slide(folder / 'case', painted_slide(
        256, 320, [(16, 16, 224, 288, PINK), (32, 32, 64, 96, GREEN),
                   (128, 32, 64, 64, BLUE), (64, 192, 96, 96, RED)]),
        mpp=0.25, levels=2)
    model = ColourModel()
    model.dataset_meta = dict(MTCHIDataset.METAINFO)
    segmenter = SlideSegmenter.from_model(
        model, blend=dict(tile=64, stride=32, batch_size=16),
        outputs=dict(dicom_seg=True), progress=False)
    slide, out = str(folder / 'case'), str(folder / 'out')
    summary = segmenter.run(slide, out)
    report = write_run_report([slide], out, [summary])
    return summary, report


def test_summary(run):
    summary, _ = run
    assert summary['classes'] == NAMES
    assert summary['palette'] == PALETTE
    assert list(summary['areas']) == NAMES
    assert list(summary['geojson_features_per_class']) == NAMES[1:]


def test_geojson(run):
    summary, _ = run
    with open(summary['outputs']['geojson']) as f:
        features = json.load(f)['features']
    seen = {}
    for feature in features:
        classification = feature['properties']['classification']
        seen[classification['name']] = classification['color']
    assert sorted(seen, key=NAMES.index) == NAMES[1:]
    assert seen == {name: PALETTE[NAMES.index(name)] for name in seen}


def test_label_tiff_palette_and_overlay(run):
    summary, _ = run
    with tifffile.TiffFile(summary['outputs']['labels']) as tiff:
        colormap = tiff.pages[0].colormap
    colormap = colormap if colormap.max() <= 255 else colormap >> 8
    assert colormap[:, :len(PALETTE)].T.tolist() == PALETTE
    overlay = cv2.cvtColor(cv2.imread(summary['outputs']['overlay']),
                           cv2.COLOR_BGR2RGB)
    painted = overlay[:, overlay.shape[1] // 2:].reshape(-1, 3)
    assert sorted(map(list, np.unique(painted, axis=0))) == sorted(PALETTE)


def test_dicom_seg(run):
    summary, _ = run
    seg = pydicom.dcmread(summary['outputs']['dicom_seg'])
    segments = seg.SegmentSequence
    assert [s.SegmentLabel for s in segments] == NAMES[1:]
    assert [tuple(s.RecommendedDisplayCIELabValue) for s in segments] == [
        hd.color.CIELabColor.from_rgb(*colour).value
        for colour in PALETTE[1:]
    ]


def test_slides_csv_and_report(run):
    _, report = run
    with open(report['slides.csv']) as f:
        columns = next(csv.reader(f))
    assert [c[:-4] for c in columns if c.endswith('_mm2')
            and c != 'tissue_mm2'] == NAMES[1:]
    with open(report['report.html']) as f:
        page = f.read()
    legend = re.findall(r'<span><i style="background:rgb\((\d+),(\d+),'
                        r'(\d+)\)"></i>([^<]+)</span>', page)
    assert [(name, [int(r), int(g), int(b)])
            for r, g, b, name in legend] == list(zip(NAMES[1:], PALETTE[1:]))
