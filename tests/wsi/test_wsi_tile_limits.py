"""Settings the network cannot use are refused before any slide runs.

Before, ``--tile 3`` (or ``--mode none --tile 1``) gave an all-background
map reported ``done``, exit 0: a tile smaller than the encoder's output
stride leaves the decode head less than one feature cell.
"""
import pytest
from fixtures.wsi_runs import infer, last_line
from fixtures.wsi_slides import (FCN_CONFIG, TINY_FCN_OPTIONS, painted_slide,
                                 tiny_checkpoint, write_pyramid)

from mmseg_hsp.tiling import SegmentorPredictor
from mmseg_hsp.wsi import SlideSegmenter
from mmseg_hsp.wsi.segmenter import build_segmentor

# The tiny FCN's ResNet-18 dilated as mmseg's FCN-D8 is: output stride 8.
DILATED = {**TINY_FCN_OPTIONS, 'model.backbone.strides': (1, 2, 1, 1),
           'model.backbone.dilations': (1, 1, 2, 4)}


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    _, checkpoint = tiny_checkpoint(tmp_path_factory.mktemp('model'))
    return FCN_CONFIG, checkpoint


@pytest.mark.parametrize('options, stride', [(TINY_FCN_OPTIONS, 32),
                                             (DILATED, 8)])
def test_output_stride_is_probed_from_the_model(options, stride):
    model = build_segmentor(FCN_CONFIG, None, 'cpu', options)
    assert SegmentorPredictor(model).output_stride() == stride
    SlideSegmenter.from_model(model, blend=dict(tile=stride, stride=stride))
    with pytest.raises(ValueError) as error:
        SlideSegmenter.from_model(model, blend=dict(tile=stride - 1,
                                                    stride=stride - 1))
    assert str(error.value) == (
        f'tile {stride - 1}x{stride - 1} is smaller than the model\'s output '
        f'stride, {stride} px (one feature cell per {stride}x{stride} input '
        f'pixels): it cannot predict such a tile; use tile={stride} or '
        "more (the config's crop_size, or the paper's 400, predicts best)")


@pytest.mark.parametrize('flags', [('--tile', '3', '--stride', '3'),
                                   ('--mode', 'none', '--tile', '1')])
def test_the_tool_refuses_a_tile_below_the_output_stride(tmp_path,
                                                         model_files, flags):
    write_pyramid(tmp_path / 's.tif',
                  painted_slide(96, 96, [(16, 16, 48, 48, (200, 0, 0))]),
                  mpp=1.0, levels=1)
    options = [f'{k}={v}' for k, v in TINY_FCN_OPTIONS.items()]
    line = last_line(
        infer(model_files, tmp_path / 's.tif', tmp_path / 'out', *flags,
              '--no-progress', '--cfg-options', *options, flags=()), 2)
    assert line.startswith('infer_wsi: cannot set up the model: ValueError: '
                           'tile ')
    assert 'use --tile 32 or more' in line
    assert not (tmp_path / 'out').exists()


def test_a_stride_above_the_tile_is_refused():
    with pytest.raises(ValueError, match=r'stride \(64, 64\) is larger than '
                       r'tile \(32, 32\)'):
        SlideSegmenter.from_model(
            build_segmentor(FCN_CONFIG, None, 'cpu', TINY_FCN_OPTIONS),
            blend=dict(tile=32, stride=64))
