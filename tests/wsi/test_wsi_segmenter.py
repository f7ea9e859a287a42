"""SlideSegmenter end to end on small pyramidal slides written by the tests."""
import json

import cv2
import numpy as np
import openslide
import pytest
import tifffile
import torch
from fixtures.wsi_slides import (ColourModel, colour_labels, painted_slide,
                                 tiny_checkpoint, write_pyramid)
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope

from mmseg_hsp.wsi import segmenter as segmenter_module
from mmseg_hsp.tiling import ArrayTiles, BlendSpec, blend_tiles
from mmseg_hsp.wsi.segmenter import SlideSegmenter

SMALL = dict(tile=64, stride=16, batch_size=16)
PINK, GREEN, BLUE, RED = (230, 130, 200), (0, 200, 0), (0, 0, 200), (200, 0, 0)



@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    """A tiny real mmseg EncoderDecoder with random weights."""
    model, _ = tiny_checkpoint(tmp_path_factory.mktemp('tiny'))
    return model


def lesion_slide(tmp_path, name='slide.tif', size=(960, 1280)):
    """A x40 slide (0.25 um/px) whose features are aligned to 4 px."""
    rgb = painted_slide(*size, [(80, 160, 320, 480, PINK),
                                (160, 240, 96, 128, RED),
                                (480, 800, 240, 320, GREEN),
                                (512, 832, 64, 64, BLUE)])
    path = tmp_path / name
    write_pyramid(path, rgb, mpp=0.25, levels=3)
    return str(path), rgb


def test_label_tiff_is_aligned_pyramidal_and_opens_in_openslide(tmp_path):
    path, rgb = lesion_slide(tmp_path)
    summary = SlideSegmenter.from_model(ColourModel(),
                                        blend=SMALL,
                                        progress=False).run(
                                            path, str(tmp_path / 'out'))
    out = summary['outputs']
    # x40 -> x10: a downsample of 4 from the pyramid's 4x level, no resampling
    assert summary['analysis']['downsample'] == 4.0
    assert summary['analysis']['read_level'] == 2
    assert summary['analysis']['mpp'] == 1.0
    with tifffile.TiffFile(out['labels']) as tif:
        levels = [page.asarray() for page in tif.pages]
        page = tif.pages[0]
        assert page.is_tiled and page.photometric == 3  # palette
        assert page.tags['XResolution'].value == (10000, 1)  # 1 um/px, cm
        description = json.loads(page.description)
    assert levels[0].shape == (240, 320) and levels[0].dtype == np.uint8
    assert [lv.shape for lv in levels] == [(240, 320), (120, 160)]
    np.testing.assert_array_equal(levels[0], colour_labels(rgb[::4, ::4]))
    np.testing.assert_array_equal(levels[1], levels[0][::2, ::2])
    assert description['level0_downsample'] == 4.0
    assert description['level0_offset'] == [0, 0]
    slide = openslide.OpenSlide(out['labels'])
    assert slide.level_dimensions == ((320, 240), (160, 120))
    assert float(slide.properties['openslide.mpp-x']) == 1.0
    # label pixel (y=50, x=70) is level-0 (200, 280): red in the slide
    assert tuple(np.asarray(slide.read_region((70, 50), 0, (1, 1)))[0, 0,
                                                                   :3]) == \
        (255, 0, 0)
    # areas: 96x128 level-0 px of CIN3 = 24x32 label px of 1 um^2
    assert summary['areas']['CIN3'] == dict(pixels=768, mm2=768e-6)
    assert summary['tiles']['run'] < summary['tiles']['total']


def test_geojson_has_qupath_classes_in_level0_coordinates(tmp_path):
    path, _ = lesion_slide(tmp_path)
    summary = SlideSegmenter.from_model(ColourModel(),
                                        blend=SMALL,
                                        progress=False).run(
                                            path, str(tmp_path / 'out'))
    with open(summary['outputs']['geojson']) as f:
        collection = json.load(f)
    assert collection['type'] == 'FeatureCollection'
    by_name = {}
    for feature in collection['features']:
        assert feature['properties']['objectType'] == 'annotation'
        by_name.setdefault(feature['properties']['classification']['name'],
                           []).append(feature['geometry']['coordinates'])
    assert sorted(by_name) == ['CIN1', 'CIN2', 'CIN3', 'normal']
    (red, ), = by_name['CIN3']
    xs, ys = np.array(red)[:, 0], np.array(red)[:, 1]
    # the pixel edges of the level-0 box x 240..368, y 160..256
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (240, 368, 160, 256)
    # the normal region has the CIN3 box as a hole
    normal, = by_name['normal']
    assert len(normal) == 2


def test_outputs_use_qupath_frame_of_a_cropped_slide(tmp_path, monkeypatch):
    path, rgb = lesion_slide(tmp_path)
    real_open = segmenter_module.open_slide

    def open_with_bounds(p):
        reader = real_open(p)
        reader.bounds = (160, 80, 640, 480)  # as MIRAX reports
        return reader

    monkeypatch.setattr(segmenter_module, 'open_slide', open_with_bounds)
    out = tmp_path / 'out'
    for origin in ('qupath', 'openslide'):
        summary = SlideSegmenter.from_model(
            ColourModel(),
            blend=SMALL,
            outputs=dict(geojson_origin=origin),
            progress=False).run(path, str(out / origin))
        labels = tifffile.imread(summary['outputs']['labels'])
        assert labels.shape == (120, 160)
        np.testing.assert_array_equal(
            labels, colour_labels(rgb[80:560:4, 160:800:4]))
        with open(summary['outputs']['geojson']) as f:
            features = json.load(f)['features']
        red = [f for f in features
               if f['properties']['classification']['name'] == 'CIN3']
        xs = np.array(red[0]['geometry']['coordinates'][0])[:, 0]
        assert xs.min() == (240 if origin == 'openslide' else 240 - 160)
    with tifffile.TiffFile(summary['outputs']['labels']) as tif:
        assert json.loads(tif.pages[0].description)['level0_offset'] == [
            160, 80
        ]


@pytest.mark.parametrize('mode', ['gauss', 'mean', 'none'])
def test_constant_mmseg_model_gives_its_class_everywhere(tmp_path, mode,
                                                         tiny_model):
    model = tiny_model
    model.decode_head.conv_seg.weight.data.zero_()
    model.decode_head.conv_seg.bias.data = torch.tensor(
        [0.1, 0.3, 0.2, 0.35, 0.05])
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (397, 523, 3), np.uint8)  # no tissue mask
    cv2.imwrite(str(tmp_path / 'region.png'), rgb[..., ::-1])
    summary = SlideSegmenter.from_model(
        model,
        blend=dict(SMALL, mode=mode),
        resolution=dict(input_magnification=10),
        outputs=dict(tissue_mask=False),
        progress=False).run(str(tmp_path / 'region.png'),
                            str(tmp_path / 'out'))
    labels = tifffile.imread(summary['outputs']['labels'])
    assert labels.shape == (397, 523)
    assert (labels == 3).all()  # edges and corners included
    assert summary['tiles']['run'] == summary['tiles']['total']


@pytest.mark.parametrize('mode', ['gauss', 'none'])
def test_slide_pipeline_equals_core_on_test_loop_input(tmp_path, mode,
                                                       tiny_model):
    """The same image through mmseg's test pipeline + blend_tiles."""
    model = tiny_model
    torch.manual_seed(1)
    for param in model.decode_head.conv_seg.parameters():
        param.data.normal_()
    rgb = np.random.default_rng(2).integers(1, 255, (150, 200, 3), np.uint8)
    image = str(tmp_path / 'region.png')
    cv2.imwrite(image, rgb[..., ::-1])
    segmenter = SlideSegmenter.from_model(
        model,
        blend=dict(SMALL, mode=mode),
        resolution=dict(input_magnification=10),
        outputs=dict(tissue_mask=False),
        progress=False)
    summary = segmenter.run(image, str(tmp_path / 'out'))
    slide_labels = tifffile.imread(summary['outputs']['labels'])

    init_default_scope('mmseg')
    pipeline = Compose([dict(type='LoadImageFromFile'),
                        dict(type='PackSegInputs')])
    data = model.data_preprocessor(
        dict(inputs=[pipeline(dict(img_path=image))['inputs']],
             data_samples=None))
    spec = BlendSpec(mode=mode, **SMALL)
    tiles = ArrayTiles(data['inputs'], segmenter.preprocess.pad_value())
    bands = blend_tiles(tiles, segmenter.predictor, (150, 200), 5, spec)
    core_labels = np.concatenate([band.labels() for band in bands])
    assert len(np.unique(core_labels)) > 1
    np.testing.assert_array_equal(slide_labels, core_labels)


def test_slide_smaller_than_one_tile(tmp_path):
    rgb = painted_slide(120, 88, [(40, 20, 40, 40, RED)])
    path = tmp_path / 'tiny.tif'
    write_pyramid(path, rgb, mpp=0.25, levels=1, tile=16)
    model = ColourModel()
    summary = SlideSegmenter.from_model(model, blend=SMALL,
                                        progress=False).run(
                                            str(path), str(tmp_path / 'out'))
    assert summary['tiles'] == dict(total=1, run=1, skipped=0)
    labels = tifffile.imread(summary['outputs']['labels'])
    assert labels.shape == (30, 22)
    np.testing.assert_array_equal(labels, colour_labels(rgb[::4, ::4]))


def test_slide_without_tissue_runs_no_tile(tmp_path):
    rng = np.random.default_rng(0)
    glass = np.clip(238 + rng.normal(0, 3, (480, 640, 3)), 0,
                    255).astype(np.uint8)
    path = tmp_path / 'glass.tif'
    write_pyramid(path, glass, mpp=0.25, levels=2)
    model = ColourModel()
    summary = SlideSegmenter.from_model(model, blend=SMALL,
                                        progress=False).run(
                                            str(path), str(tmp_path / 'out'))
    assert model.calls == 0
    assert summary['tiles']['run'] == 0 and summary['tissue_fraction'] == 0
    assert (tifffile.imread(summary['outputs']['labels']) == 0).all()
    with open(summary['outputs']['geojson']) as f:
        assert json.load(f)['features'] == []
    assert summary['areas']['background']['pixels'] == 120 * 160


def test_black_input_is_background_and_overlay_uses_palette(tmp_path):
    rgb = painted_slide(256, 256, [(0, 0, 256, 256, GREEN)])
    rgb[:, 128:] = 0  # MTCHI regions are pure black outside the region
    cv2.imwrite(str(tmp_path / 'r.png'), rgb[..., ::-1])
    model = ColourModel()
    summary = SlideSegmenter.from_model(model,
                                        blend=SMALL,
                                        resolution=dict(input_mpp=1.0,
                                                        mpp=1.0),
                                        progress=False).run(
                                            str(tmp_path / 'r.png'),
                                            str(tmp_path / 'out'))
    labels = tifffile.imread(summary['outputs']['labels'])
    assert (labels[:, :128] == 2).all() and (labels[:, 128:] == 0).all()
    overlay = cv2.imread(summary['outputs']['overlay'])[..., ::-1]
    assert overlay.shape == (256, 512, 3)
    assert tuple(overlay[10, 256 + 10]) == (0, 255, 0)  # CIN1 green
    assert tuple(overlay[10, 256 + 200]) == (0, 0, 0)  # background black


def test_finished_slides_are_skipped_unless_overwrite(tmp_path):
    path, _ = lesion_slide(tmp_path, size=(256, 256))
    model = ColourModel()
    segmenter = SlideSegmenter.from_model(model, blend=SMALL, progress=False)
    segmenter.run(path, str(tmp_path / 'out'))
    calls = model.calls
    assert segmenter.run(path, str(tmp_path / 'out'))['status'] == 'skipped'
    assert model.calls == calls
    assert segmenter.run(path, str(tmp_path / 'out'),
                         overwrite=True)['status'] == 'done'
    assert model.calls == 2 * calls


def test_interrupted_slide_leaves_no_output(tmp_path):
    path, _ = lesion_slide(tmp_path)

    class FailingModel(ColourModel):

        def encode_decode(self, inputs, metas):
            if self.calls == 3:
                raise RuntimeError('out of memory')
            return super().encode_decode(inputs, metas)

    out = tmp_path / 'out'
    with pytest.raises(RuntimeError, match='out of memory'):
        SlideSegmenter.from_model(FailingModel(), blend=SMALL,
                                  progress=False).run(path, str(out))
    assert list(out.iterdir()) == []


def test_cpu_model_reads_scores_and_blends_in_one_thread(tmp_path,
                                                         monkeypatch):
    """On the CPU no worker thread competes with the model's own threads."""
    import threading
    path, _ = lesion_slide(tmp_path)
    threads = set()
    segmenter = SlideSegmenter.from_model(ColourModel(), blend=SMALL,
                                          progress=False)
    assert segmenter.predictor.reads_ahead == 0
    score = type(segmenter.predictor).__call__

    def tracked(self, inputs):
        threads.add(threading.get_ident())
        return score(self, inputs)

    monkeypatch.setattr(type(segmenter.predictor), '__call__', tracked)
    segmenter.run(path, str(tmp_path / 'out'))
    assert threads == {threading.get_ident()}
