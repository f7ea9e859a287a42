"""Table 5's post-processing inside mmseg's test loop (TileBlendEncoderDecoder)."""
import numpy as np
import pytest
import tifffile
import torch
from mmcv.transforms import Compose
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from PIL import Image

import mmseg_hsp  # noqa: F401
from mmseg.registry import MODELS
from mmseg_hsp.wsi.segmenter import SlideSegmenter

NORM = dict(type='BN', requires_grad=True)


def ours_cfg(test_cfg=None):
    # ConfigDict, as the runner passes: mmseg reads ``test_cfg.mode``.
    return ConfigDict(type='TileBlendEncoderDecoder',
                      data_preprocessor=dict(type='SegDataPreProcessor',
                                             mean=[123.675, 116.28, 103.53],
                                             std=[58.395, 57.12, 57.375],
                                             bgr_to_rgb=True),
                      backbone=dict(type='ResNet',
                                    depth=18,
                                    stem_channels=8,
                                    base_channels=8,
                                    out_indices=(3, ),
                                    norm_cfg=NORM,
                                    init_cfg=None),
                      decode_head=dict(
                          type='FCNHead',
                          in_channels=64,
                          channels=16,
                          num_convs=1,
                          num_classes=5,
                          norm_cfg=NORM,
                          loss_decode=dict(type='CrossEntropyLoss')),
                      test_cfg=test_cfg or dict(mode='whole'))


def tiny_segmentor(test_cfg):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(ours_cfg(test_cfg))
    # Random but not degenerate: give BN non-trivial statistics.
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return model.eval()


def region_png(tmp_path, size=(150, 170)):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
    rgb[:20, :30] = 0  # an outside-region corner, as in MTCHI crops
    path = tmp_path / 'region.png'
    Image.fromarray(rgb).save(path)
    return str(path)


def predict_in_test_loop(model, path):
    """Labels of one image through mmseg's test pipeline and model.predict."""
    pipeline = Compose(
        [dict(type='LoadImageFromFile'),
         dict(type='PackSegInputs')])
    data = model.data_preprocessor(
        dict(inputs=[pipeline(dict(img_path=path))['inputs']],
             data_samples=[pipeline(dict(img_path=path))['data_samples']]),
        False)
    with torch.no_grad():
        sample = model.predict(data['inputs'], data['data_samples'])[0]
    return sample.pred_sem_seg.data[0].numpy()


@pytest.mark.parametrize('mode, stride', [('gauss', 16), ('mean', 24),
                                          ('none', 64)])
def test_test_loop_equals_slide_pipeline(tmp_path, mode, stride):
    test_cfg = dict(mode=mode,
                    crop_size=(64, 64),
                    stride=(stride, stride),
                    batch_size=5)
    model = tiny_segmentor(test_cfg)
    path = region_png(tmp_path)
    ours = predict_in_test_loop(model, path)

    summary = SlideSegmenter(model=model,
                             blend=dict(mode=mode,
                                        tile=64,
                                        stride=stride,
                                        batch_size=3),
                             input_magnification=10,
                             tissue_mask=False,
                             black_is_background=False,
                             progress=False).run(path, str(tmp_path / 'out'))
    with tifffile.TiffFile(summary['outputs']['labels']) as tif:
        slide = tif.pages[0].asarray()

    assert ours.shape == slide.shape == (150, 170)
    # Several classes present: the comparison is not between two constants.
    assert len(np.unique(ours)) > 1
    np.testing.assert_array_equal(ours, slide)


def test_whole_mode_is_mmseg_encoder_decoder(tmp_path):
    path = region_png(tmp_path)
    ours = tiny_segmentor(dict(mode='whole'))
    parent_cfg = ours_cfg()
    parent_cfg.type = 'EncoderDecoder'
    theirs = MODELS.build(parent_cfg).eval()
    assert type(theirs).__name__ == 'EncoderDecoder'
    theirs.load_state_dict(ours.state_dict())
    np.testing.assert_array_equal(predict_in_test_loop(ours, path),
                                  predict_in_test_loop(theirs, path))


def test_unknown_mode_names_the_choices():
    model = tiny_segmentor(dict(mode='gaus', crop_size=(64, 64)))
    inputs = torch.zeros(1, 3, 64, 64)
    with pytest.raises(AssertionError, match='slide'):
        model.predict(inputs)
