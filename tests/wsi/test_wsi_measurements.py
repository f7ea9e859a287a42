"""Issue 22: areas always, QuPath measurements, visible Normal, confidence."""
import json

import cv2
import numpy as np
import pytest
import tifffile
import torch
from fixtures.wsi_slides import (DATASET_META, ColourModel, painted_slide,
                                 write_pyramid)
from shapely.geometry import shape

from mmseg_hsp.wsi.classes import GENERIC_PALETTE, SlideClasses
from mmseg_hsp.wsi.confidence import ConfidenceStats, band_confidence
from mmseg_hsp.wsi.areas import area_pixel_size
from mmseg_hsp.wsi.segmenter import SlideSegmenter
from mmseg_hsp.wsi.writers import write_geojson

SMALL = dict(tile=64, stride=16, batch_size=16)
PINK, GREEN, RED = (230, 130, 200), (0, 200, 0), (200, 0, 0)
AMBER = [255, 176, 0]


class UnsureColourModel(ColourModel):
    """ColourModel with logits 1 (not 10) for the colour's class: the
    labelled class's probability is e / (e + 4) = 0.4046 everywhere."""

    def encode_decode(self, inputs, batch_img_metas):
        return super().encode_decode(inputs, batch_img_metas) / 10


def region_png(tmp_path, name='region.png'):
    """A 128x160 MTCHI-style region (no resolution metadata): pink
    epithelium with a 40x60 red (CIN3) block, on white glass."""
    rgb = painted_slide(128, 160, [(8, 8, 112, 144, PINK),
                                   (40, 40, 40, 60, RED)])
    path = tmp_path / name
    cv2.imwrite(str(path), rgb[..., ::-1])
    return str(path)


def run(path, out, model=None, **settings):
    settings.setdefault('blend', SMALL)
    return SlideSegmenter.from_model(model or ColourModel(), progress=False,
                                     **settings).run(str(path), str(out))


def test_area_pixel_size_is_known_or_nominal_never_missing():
    assert area_pixel_size(0.5, 20.0, False).to_dict() == dict(
        mpp=0.5, source='metadata', nominal=False)
    assert area_pixel_size(0.5, None, True).source == 'input_mpp'
    nominal = area_pixel_size(None, 20.0, False)
    assert (nominal.mpp, nominal.source, nominal.nominal) == (0.5, 'nominal',
                                                              True)
    assert '--input-mpp' in nominal.describe()


def test_areas_from_a_magnification_only_are_nominal_and_say_so(tmp_path):
    summary = run(region_png(tmp_path), tmp_path / 'out',
                  resolution=dict(input_magnification=10))
    # the analysis keeps saying what is known: no measured pixel size ...
    assert summary['analysis']['mpp'] is None
    # ... and the areas use the nominal 1 um/px of x10, recorded as such
    assert summary['resolution']['mpp'] == 1.0
    assert summary['resolution']['source'] == 'nominal'
    assert summary['resolution']['nominal'] is True
    assert summary['areas']['CIN3'] == dict(pixels=40 * 60, mm2=0.0024)
    assert all(area['mm2'] is not None for area in summary['areas'].values())
    with tifffile.TiffFile(summary['outputs']['labels']) as tif:
        page = tif.pages[0]
        assert page.tags['XResolution'].value == (10000, 1)  # 1 um/px
        description = json.loads(page.description)
    assert (description['mpp'], description['mpp_source']) == (1.0,
                                                               'nominal')


def test_areas_from_a_known_pixel_size(tmp_path):
    # --input-mpp 0.5: x10 is a downsample of 2; 20x30 px of 1 um^2
    summary = run(region_png(tmp_path), tmp_path / 'out',
                  resolution=dict(input_mpp=0.5))
    assert summary['resolution']['source'] == 'input_mpp'
    assert summary['areas']['CIN3'] == dict(pixels=20 * 30, mm2=0.0006)
    # a slide recording its pixel size (0.25 um/px, read at x10)
    rgb = painted_slide(256, 320, [(16, 16, 224, 288, PINK),
                                   (64, 64, 96, 128, RED)])
    write_pyramid(tmp_path / 'slide.tif', rgb, mpp=0.25, levels=3)
    summary = run(tmp_path / 'slide.tif', tmp_path / 'out2')
    assert summary['resolution'] == dict(
        mpp=1.0, source='metadata', nominal=False,
        description="1 um/px (the slide's recorded pixel size)")
    assert summary['areas']['CIN3'] == dict(pixels=24 * 32, mm2=768e-6)


def test_geojson_measurements_are_pixel_counts_times_the_pixel_area(
        tmp_path):
    labels = np.zeros((30, 40), np.uint8)
    labels[2:12, 3:13] = 2  # 10x10 px with a 2x2 px hole: 96 px
    labels[5:7, 6:8] = 0
    labels[20:25, 20:36] = 2  # 80 px
    labels[15:18, 1:4] = 3  # 9 px
    confidence = np.zeros_like(labels)
    confidence[labels == 2] = 200
    confidence[20:25, 20:28] = 100  # half of the second region
    confidence[labels == 3] = 255
    path = tmp_path / 'regions.geojson'
    names = ['background', 'Normal', 'CIN1', 'CIN2']
    count = write_geojson(str(path), labels, 4.0, (0, 0), names,
                          [[0, 0, 0]] * 4, um_per_pixel=0.5,
                          confidence=confidence, id_prefix='a.svs')
    with open(path) as f:
        features = json.load(f)['features']
    assert count == len(features) == 3
    found = {}
    for feature in features:
        name = feature['properties']['classification']['name']
        measurements = feature['properties']['measurements']
        polygon = shape(feature['geometry'])  # level-0 px: 4 per label px
        # area = pixel count x (0.5 um)^2, and the polygon's area agrees
        assert measurements['Area µm^2'] == polygon.area / 16 * 0.25
        found.setdefault(name, []).append(
            (measurements['Area µm^2'], measurements['Perimeter µm'],
             measurements['Mean confidence']))
    assert sorted(found['CIN1']) == [
        # 80 px; 2 * (5 + 16) px of 0.5 um; (40 * 100 + 40 * 200) / 80
        (80 * 0.25, 21.0, round(150 / 255, 4)),
        # 96 px; outer 40 px and hole 8 px long; all 200
        (96 * 0.25, 24.0, round(200 / 255, 4)),
    ]
    assert found['CIN2'] == [(9 * 0.25, 6.0, 1.0)]
    # ids: UUIDs, unique, the same when written again
    ids = [feature['id'] for feature in features]
    assert len(set(ids)) == 3 and all(len(i) == 36 for i in ids)
    write_geojson(str(path), labels, 4.0, (0, 0), names, [[0, 0, 0]] * 4,
                  um_per_pixel=0.5, confidence=confidence, id_prefix='a.svs')
    with open(path) as f:
        assert [feature['id'] for feature in json.load(f)['features']] == ids


def test_slide_geojson_measurements_match_the_summary(tmp_path):
    summary = run(region_png(tmp_path), tmp_path / 'out',
                  resolution=dict(input_magnification=10),
                  outputs=dict(geojson_min_area=0))
    with open(summary['outputs']['geojson']) as f:
        features = json.load(f)['features']
    for name in ('normal', 'CIN3'):
        area = sum(f['properties']['measurements']['Area µm^2']
                   for f in features
                   if f['properties']['classification']['name'] == name)
        assert area == pytest.approx(summary['areas'][name]['mm2'] * 1e6)
    assert summary['geojson_features_per_class'] == dict(normal=1, CIN1=0,
                                                         CIN2=0, CIN3=1)


def test_normal_is_drawn_in_a_colour_visible_over_he(tmp_path):
    classes = SlideClasses(list(DATASET_META['classes']),
                           DATASET_META['palette'], 'checkpoint')
    assert classes.palette[1] == [255, 255, 255]  # the model's, kept
    assert classes.output_palette == [[0, 0, 0], AMBER, [0, 255, 0],
                                      [0, 0, 255], [255, 0, 0]]
    # a palette without near-white colours is drawn as it is
    generic = SlideClasses(['a'] * 5, GENERIC_PALETTE[:5], 'generic')
    assert generic.output_palette == GENERIC_PALETTE[:5]
    # the same amber in the overlay, the TIFF palette and the GeoJSON
    summary = run(region_png(tmp_path), tmp_path / 'out',
                  resolution=dict(input_magnification=10),
                  outputs=dict(tissue_mask=False))
    assert summary['palette'][1] == AMBER
    overlay = cv2.imread(summary['outputs']['overlay'])[..., ::-1]
    assert overlay[100, 160 + 20].tolist() == AMBER  # label-map half
    with tifffile.TiffFile(summary['outputs']['labels']) as tif:
        assert tif.pages[0].colormap[:, 1].tolist() == [c * 257
                                                        for c in AMBER]
    with open(summary['outputs']['geojson']) as f:
        colours = {
            f['properties']['classification']['name']:
            f['properties']['classification']['color']
            for f in json.load(f)['features']
        }
    assert colours == dict(normal=AMBER, CIN3=[255, 0, 0])


def test_band_confidence_is_the_probability_of_the_labelled_class():
    softmax = np.array([[[0.2, 0.5]], [[0.7, 0.25]], [[0.1, 0.25]]],
                       np.float32)
    covered = np.array([[True, False]])
    assert band_confidence(softmax, covered, 'softmax').tolist() == [[
        round(0.7 * 255), 0
    ]]
    logits = np.log(softmax) + 3.0  # any offset: same softmax
    covered[:] = True
    expected = [[round(0.7 * 255), round(0.5 * 255)]]
    assert band_confidence(logits, covered, 'logits').tolist() == expected
    # in torch (the GPU path), the same values
    assert band_confidence(torch.from_numpy(logits),
                           torch.from_numpy(covered),
                           'logits').tolist() == expected


def test_confidence_stats_per_class_and_unsure_share():
    stats = ConfidenceStats()
    labels = np.array([[0, 1, 1, 2]], np.uint8)
    stats.add(labels, np.array([[0, 255, 51, 102]], np.uint8))
    stats.add(np.array([[0]], np.uint8), np.array([[255]], np.uint8))
    summary = stats.summary(['bg', 'a', 'b'])
    assert stats.answered == 4
    assert summary['per_class'] == dict(bg=1.0, a=0.6, b=0.4)
    assert summary['mean'] == round((1.0 + 0.2 + 0.4) / 3, 4)
    assert summary['unsure'] == round(2 / 3, 4)
    assert ConfidenceStats().summary(['bg', 'a'])['mean'] is None


def test_confidence_layer_levels_and_range(tmp_path):
    rgb = painted_slide(512, 640, [(64, 64, 384, 512, PINK),
                                   (128, 128, 96, 128, GREEN)])
    write_pyramid(tmp_path / 'slide.tif', rgb, mpp=0.25, levels=1)
    summary = run(tmp_path / 'slide.tif', tmp_path / 'out',
                  model=UnsureColourModel(),
                  blend=dict(SMALL, stride=32),
                  resolution=dict(magnification=40),
                  outputs=dict(confidence_tiff=True))
    with tifffile.TiffFile(summary['outputs']['confidence']) as tif:
        levels = [page.asarray() for page in tif.pages]
        description = json.loads(tif.pages[0].description)
        assert tif.pages[0].photometric == 1  # minisblack
    labels = tifffile.imread(summary['outputs']['labels'])
    assert [level.shape for level in levels] == [(512, 640), (256, 320),
                                                 (128, 160)]
    for k, level in enumerate(levels[1:], 1):
        np.testing.assert_array_equal(level, levels[0][::2**k, ::2**k])
    # p = e / (e + 4) where the model answered, 0 (no answer) on glass
    p = round(np.e / (np.e + 4) * 255)
    assert set(np.unique(levels[0])) == {0, p}
    assert (levels[0][labels > 0] == p).all()
    assert 'round(255 * p)' in description['values']
    assert summary['confidence']['mean'] == round(p / 255, 4)
    assert summary['confidence']['unsure'] == 1.0
    # the tissue analysed is where the model answered (0.25 um/px)
    assert summary['analysed_mm2'] == round(
        (levels[0] > 0).sum() * 0.25**2 * 1e-6, 9)
    with open(summary['outputs']['geojson']) as f:
        assert {
            f['properties']['measurements']['Mean confidence']
            for f in json.load(f)['features']
        } == {round(p / 255, 4)}


def test_asking_for_the_confidence_tiff_redoes_a_finished_slide(tmp_path):
    path = region_png(tmp_path)
    model = ColourModel()
    first = run(path, tmp_path / 'out', model=model,
                resolution=dict(input_magnification=10),
                outputs=dict(confidence_tiff=False))
    assert 'confidence' not in first['outputs']
    calls = model.calls
    again = run(path, tmp_path / 'out', model=model,
                resolution=dict(input_magnification=10),
                outputs=dict(confidence_tiff=True))
    assert again['status'] == 'done' and model.calls > calls
    assert again['output_bytes']['confidence'] > 0
