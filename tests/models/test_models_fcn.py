"""FCN-32s and FCN-16s (Long et al.) as FCNSkipHead: bilinear up-sampling,
skips that start at zero, output strides, parameter counts and errors."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_hsp  # noqa: F401 (registration)
from conftest import REPO_ROOT
from mmseg.registry import MODELS
from mmseg_hsp.models import FCNSkipHead
from mmseg_hsp.models.fcn_skip_head import bilinear_kernel
from mmseg_hsp.models.utils import count_params

# torchvision's ResNet-101 without its classifier: 44,549,160 - 2,049,000.
RESNET101 = 42_500_160


def build(config):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', config))
    cfg.model.backbone.init_cfg = None  # no download
    return MODELS.build(cfg.model)


def test_bilinear_kernel_is_long_et_als_filter():
    weight = bilinear_kernel(2, 4)
    tent = torch.tensor([0.25, 0.75, 0.75, 0.25])
    torch.testing.assert_close(weight[0, 0], tent[:, None] * tent[None])
    torch.testing.assert_close(weight[1, 1], weight[0, 0])
    assert weight[0, 1].abs().sum() == 0 and weight[1, 0].abs().sum() == 0


def test_upsampling_starts_as_bilinear_interpolation():
    head = FCNSkipHead(
        in_channels=(4, 8), in_index=(0, 1), num_classes=3, dropout_ratio=0)
    head.init_weights()
    scores = torch.rand(1, 3, 5, 5)
    up = head.upsamples[0](scores)
    # Inside the border a 4x4/2 transposed conv with the tent filter is
    # exactly bilinear interpolation (align_corners=False).
    expected = F.interpolate(scores, scale_factor=2, mode='bilinear')
    torch.testing.assert_close(up[..., 1:-1, 1:-1], expected[..., 1:-1, 1:-1])


def test_fcn16s_starts_as_fcn32s_then_its_skip_counts():
    """The stride-16 score starts at zero: FCN-16s' output at init is
    FCN-32s' scores up-sampled 2x; a trained skip adds its own score."""
    head = FCNSkipHead(
        in_channels=(4, 8), in_index=(0, 1), num_classes=3, dropout_ratio=0)
    head.init_weights()
    head.eval()
    fine, coarse = torch.rand(2, 4, 8, 8), torch.rand(2, 8, 4, 4)
    out = head([fine, coarse])
    assert out.shape == (2, 3, 8, 8)
    torch.testing.assert_close(out, head.upsamples[0](head.cls_seg(coarse)))
    with torch.no_grad():
        head.skip_scores[0].bias.fill_(1.0)
    torch.testing.assert_close(
        head([fine, coarse]), out + 1.0)


def test_odd_sides_are_cropped_to_the_skip():
    # 400 px: stride 16 gives 25, stride 32 gives 13, 2 x 13 = 26.
    head = FCNSkipHead(
        in_channels=(4, 8), in_index=(0, 1), num_classes=2, dropout_ratio=0)
    out = head([torch.rand(1, 4, 25, 25), torch.rand(1, 8, 13, 13)])
    assert out.shape == (1, 2, 25, 25)


@pytest.mark.parametrize('config, stride, params', [
    ('fcn32s_r101_mtchi.py', 32, RESNET101 + 2048 * 5 + 5),
    # + the stride-16 score layer and the 5x5x4x4 up-sampling (no bias).
    ('fcn16s_r101_mtchi.py', 16,
     RESNET101 + 2048 * 5 + 5 + 1024 * 5 + 5 + 5 * 5 * 16),
])
def test_fcn_rows_output_stride_and_parameter_count(config, stride, params):
    model = build(config)
    assert count_params(model) == params
    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.rand(1, 3, 128, 128))
        logits = model.decode_head(feats)
    assert logits.shape == (1, 5, 128 // stride, 128 // stride)


@pytest.mark.parametrize('options, message', [
    (dict(in_channels=8, in_index=1), 'must be sequences of the same'),
    (dict(in_channels=(4, 8), in_index=(1, )), 'must be sequences'),
    (dict(in_channels=(8, ), in_index=(1, ), channels=8), 'channels is fixed'),
    (dict(in_channels=(8, ), in_index=(1, ), input_transform='resize_concat'),
     'input_transform is fixed'),
])
def test_config_errors_name_the_fix(options, message):
    with pytest.raises(ValueError, match=message):
        FCNSkipHead(num_classes=2, **options)
