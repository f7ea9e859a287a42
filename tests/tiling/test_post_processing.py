"""Table 5's post-processing inside mmseg's test loop (TileBlendEncoderDecoder)."""
import numpy as np
import pytest
import tifffile
import torch
from mmcv.transforms import Compose
from mmseg.utils import stack_batch

from fixtures.tile_blend import (TEST_PIPELINE, predict_in_test_loop,
                                 region_png, sample_in_test_loop,
                                 tiny_segmentor)

import mmseg_hsp  # noqa: F401
from mmseg_hsp.wsi.segmenter import SlideSegmenter


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

    summary = SlideSegmenter.from_model(
        model,
        blend=dict(mode=mode, tile=64, stride=stride, batch_size=3),
        resolution=dict(input_magnification=10),
        outputs=dict(tissue_mask=False, black_is_background=False),
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
    theirs = tiny_segmentor(dict(mode='whole'), segmentor='EncoderDecoder')
    np.testing.assert_array_equal(predict_in_test_loop(ours, path),
                                  predict_in_test_loop(theirs, path))


def test_unknown_mode_names_the_choices():
    # refused as the override is merged, before a model is built
    with pytest.raises(ValueError, match="'gaus' is not one of whole, slide, "
                       'gauss, mean, none'):
        tiny_segmentor(dict(mode='gaus', crop_size=(64, 64)))


@pytest.mark.parametrize('mode', ['gauss', 'mean', 'none'])
def test_blend_modes_set_seg_logits_as_mmseg_modes(tmp_path, mode):
    """seg_logits (what SegTTAModel reads) holds the blended probabilities;
    pred_sem_seg is their arg-max."""
    model = tiny_segmentor(
        dict(mode=mode, crop_size=(64, 64), stride=(24, 24), batch_size=5))
    sample = sample_in_test_loop(model, region_png(tmp_path))
    scores = sample.seg_logits.data
    assert scores.shape == (5, 150, 170) and scores.dtype == torch.float32
    torch.testing.assert_close(scores.sum(0), torch.ones(150, 170))
    assert (scores >= 0).all()
    assert torch.equal(sample.pred_sem_seg.data[0], scores.argmax(0))


def test_padded_batch_is_blended_per_image_without_its_padding(tmp_path):
    """Two sizes in one batch, padded bottom-right as mmseg's stack_batch
    pads: each image gets the labels it gets alone, unpadded."""
    test_cfg = dict(mode='gauss', crop_size=(64, 64), stride=(16, 16),
                    batch_size=5)
    model = tiny_segmentor(test_cfg)
    paths = [region_png(tmp_path / 'a', size=(97, 130)),
             region_png(tmp_path / 'b')]
    alone = [predict_in_test_loop(model, path) for path in paths]
    packed = [Compose(TEST_PIPELINE)(dict(img_path=path)) for path in paths]
    samples = [p['data_samples'] for p in packed]
    images = [
        model.data_preprocessor(dict(inputs=[p['inputs']]), False)['inputs'][0]
        for p in packed
    ]
    inputs, padding = stack_batch(images, size_divisor=32)
    for sample, pad_info in zip(samples, padding):
        sample.set_metainfo(pad_info)
    # The batch's 160 x 192 (size_divisor 32), as SegDataPreProcessor's
    # test_cfg pads.
    assert [tuple(s.metainfo['img_padding_size']) for s in samples] == [
        (0, 62, 0, 63), (0, 22, 0, 10)]
    with torch.no_grad():
        together = model.predict(inputs, samples)
    for sample, labels in zip(together, alone):
        np.testing.assert_array_equal(sample.pred_sem_seg.data[0].numpy(),
                                      labels)


@pytest.mark.parametrize('mode', ['gauss', 'whole'])
def test_amp_in_test_cfg_agrees_with_float32(tmp_path, mode):
    """``test_cfg.amp``: bfloat16 autocast (named, so it runs on any CPU,
    emulated where not native), float32 scores out. Random weights leave
    small class margins, so the bar is below the trained demo's measured
    agreement (README)."""
    path = region_png(tmp_path)
    model = tiny_segmentor(
        dict(mode=mode, crop_size=(64, 64), stride=(16, 16), batch_size=5))
    fp32 = sample_in_test_loop(model, path)
    model.test_cfg.amp = 'bf16'
    fast = sample_in_test_loop(model, path)
    assert fast.seg_logits.data.dtype == torch.float32
    assert not torch.equal(fast.seg_logits.data, fp32.seg_logits.data)
    same = fast.pred_sem_seg.data == fp32.pred_sem_seg.data
    assert same.float().mean() >= 0.98


def test_test_loop_equals_slide_pipeline_on_the_fast_path(tmp_path):
    model = tiny_segmentor(
        dict(mode='gauss', crop_size=(64, 64), stride=(16, 16),
             batch_size=4, amp='bf16'))
    path = region_png(tmp_path)
    ours = predict_in_test_loop(model, path)
    summary = SlideSegmenter.from_model(
        model,
        resolution=dict(input_magnification=10),
        outputs=dict(tissue_mask=False, black_is_background=False),
        amp='bf16',
        progress=False).run(path, str(tmp_path / 'out'))
    assert summary['precision'] == dict(dtype='bf16', channels_last=True)
    with tifffile.TiffFile(summary['outputs']['labels']) as tif:
        slide = tif.pages[0].asarray()
    assert len(np.unique(ours)) > 1
    np.testing.assert_array_equal(ours, slide)
