"""SlideSegmenter's settings: specs, constructors, test_cfg defaults, class
names without the dataset modules."""
import pytest
import torch
from fixtures.wsi_slides import (DATASET_META, FCN_CONFIG, TINY_FCN_OPTIONS,
                                 ColourModel, tiny_checkpoint)
from mmengine.config import ConfigDict

from mmseg_hsp.tiling import BlendSpec
from mmseg_hsp.wsi import OutputSpec, ResolutionSpec, SlideSegmenter
from mmseg_hsp.wsi.classes import GENERIC_PALETTE
from mmseg_hsp.wsi.segmenter import build_segmentor

MTCHI_NAMES = ['background', 'normal', 'CIN1', 'CIN2', 'CIN3']


@pytest.mark.parametrize('spec, settings, error', [
    (ResolutionSpec, dict(mpp=-1.0), 'mpp must be a number > 0'),
    (ResolutionSpec, dict(input_magnification='10'),
     'input_magnification must be a number > 0'),
    (ResolutionSpec, dict(magnification=None), 'magnification or mpp'),
    (OutputSpec, dict(geojson_origin='qpath'), "'qpath' is unknown"),
    (OutputSpec, dict(geojson_min_area=-1), 'geojson_min_area'),
    (BlendSpec, dict(stride=500), 'larger than tile'),
])
def test_specs_reject_bad_settings(spec, settings, error):
    with pytest.raises(ValueError, match=error):
        spec(**settings)


def test_constructor_takes_specs_only():
    with pytest.raises(TypeError, match='blend must be a BlendSpec'):
        SlideSegmenter(ColourModel(), blend=dict(tile=64))


def test_blend_spec_from_mmseg_test_cfg():
    slide = dict(mode='slide', crop_size=(512, 512), stride=(341, 341))
    assert BlendSpec.from_test_cfg(slide) == BlendSpec(tile=512, stride=341)
    assert BlendSpec.from_test_cfg(
        dict(slide, mode='mean', batch_size=2), stride=None,
        tile=(600, 400)) == BlendSpec(mode='mean', tile=(600, 400),
                                      stride=341, batch_size=2)
    assert BlendSpec.from_test_cfg(None) == BlendSpec()
    with pytest.raises(ValueError, match="'gaus' is unknown"):
        BlendSpec.from_test_cfg(dict(mode='gaus'))


def test_from_model_tiles_as_the_test_cfg_unless_told():
    model = ColourModel()
    model.test_cfg = ConfigDict(mode='slide', crop_size=(64, 48),
                                stride=(32, 24), scores='logits')
    segmenter = SlideSegmenter.from_model(model)
    assert segmenter.spec == BlendSpec(tile=(64, 48), stride=(32, 24))
    assert segmenter.predictor.scores == 'logits'
    segmenter = SlideSegmenter.from_model(model, blend=dict(stride=16),
                                          scores='softmax')
    assert segmenter.spec == BlendSpec(tile=(64, 48), stride=16)
    assert segmenter.predictor.scores == 'softmax'
    assert SlideSegmenter.from_model(ColourModel()).spec == BlendSpec()


def test_slides_blend_gauss_whatever_the_evaluation_mode():
    # test_cfg.mode is Table 5's protocol ('x' = 'none' by default); a slide
    # gets the paper's post-processing at the config's tile and stride.
    model = ColourModel()
    model.test_cfg = ConfigDict(mode='none', crop_size=(64, 64),
                                stride=(16, 16))
    segmenter = SlideSegmenter.from_model(model)
    assert segmenter.spec == BlendSpec(mode='gauss', tile=64, stride=16)
    segmenter = SlideSegmenter.from_model(model, blend=dict(mode=None))
    assert segmenter.spec.mode == 'gauss'
    segmenter = SlideSegmenter.from_model(model, blend=dict(mode='none'))
    assert segmenter.spec == BlendSpec(mode='none', tile=64)


def test_class_names_from_the_checkpoint(tmp_path):
    meta = dict(DATASET_META, classes=('bg', 'a', 'b', 'c', 'd'))
    _, checkpoint = tiny_checkpoint(tmp_path, dataset_meta=meta)
    segmenter = SlideSegmenter.from_config(
        FCN_CONFIG, checkpoint, cfg_options=TINY_FCN_OPTIONS)
    assert segmenter.classes.source == 'checkpoint'
    assert segmenter.class_names == ['bg', 'a', 'b', 'c', 'd']
    assert segmenter.palette == DATASET_META['palette']


def test_class_names_from_the_config_test_dataset():
    """MTCHIDataset's METAINFO, found through mmseg's DATASETS registry."""
    options = dict(TINY_FCN_OPTIONS,
                   **{'test_dataloader.dataset.type': 'MTCHIDataset'})
    model = build_segmentor(FCN_CONFIG, None, 'cpu', options)
    segmenter = SlideSegmenter.from_model(model)
    assert segmenter.classes.source == 'config'
    assert segmenter.class_names == MTCHI_NAMES
    assert segmenter.palette[4] == [255, 0, 0]  # CIN3 red, the paper's
    # A checkpoint naming another number of classes is passed over.
    model.dataset_meta = dict(classes=('a', 'b'))
    assert SlideSegmenter.from_model(model).classes.source == 'config'
    # The config's metainfo override wins over the class METAINFO.
    options['test_dataloader.dataset.metainfo'] = dict(
        classes=('v', 'w', 'x', 'y', 'z'))
    model = build_segmentor(FCN_CONFIG, None, 'cpu', options)
    assert SlideSegmenter.from_model(model).class_names == list('vwxyz')


def test_generic_class_names_without_checkpoint_or_dataset():
    torch.manual_seed(0)
    model = build_segmentor(FCN_CONFIG, None, 'cpu', TINY_FCN_OPTIONS)
    classes = SlideSegmenter.from_model(model).classes
    assert classes.source == 'generic'
    assert classes.names == [f'class_{i}' for i in range(5)]
    assert classes.palette == GENERIC_PALETTE[:5]
    assert classes.describe().startswith('classes class_0, class_1')
