"""HSP-Net's architecture: Table 1 shapes, the DS-Block, the segmentation
head, the parameter count, Table 3's ablation configs and config errors."""
import math
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_hsp  # noqa: F401 (registration)
from conftest import REPO_ROOT
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.registry import MODELS
from mmseg_hsp.models import DSBlock, HSPHead
from mmseg_hsp.models.utils import count_params

CONFIGS = osp.join(REPO_ROOT, 'configs')
PAPER_PARAMS = 69.70e6

# Table 1: (c, c', side divisor) of DS-Blocks 1-5. DS-Block 5 reads the
# c'1+c'2+c'3+c'4 = 480 channels of Eq. 1, not Table 1's 256 (see HSPHead).
TABLE_1 = {
    'r34': [(64, 32, 4), (128, 64, 8), (256, 128, 16), (512, 256, 32),
            (480, 256, 4)],
    'r101': [(256, 32, 4), (512, 64, 8), (1024, 128, 16), (2048, 256, 32),
             (480, 256, 4)],
}


def build_model(config, **head_options):
    """Build a model config's segmentor without its ImageNet checkpoint."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    cfg.model.backbone.init_cfg = None
    cfg.model.decode_head.update(head_options)
    return MODELS.build(cfg.model)


def ds_block_shapes(model, size, batch=1):
    """(c, c', input side, output side) of every DS-Block, in forward order,
    and the logits at the input size."""
    shapes = []

    def record(module, args, output):
        shapes.append((args[0].shape[1], output.shape[1], args[0].shape[2:],
                       output.shape[2:]))

    blocks = [m for m in model.modules() if isinstance(m, DSBlock)]
    handles = [block.register_forward_hook(record) for block in blocks]
    model.eval()
    with torch.no_grad():
        logits = model.encode_decode(
            torch.rand(batch, 3, size, size),
            [dict(img_shape=(size, size))] * batch)
    for handle in handles:
        handle.remove()
    return shapes, logits


@pytest.mark.parametrize('encoder', ['r34', 'r101'])
def test_ds_blocks_match_table_1_at_400(encoder):
    model = build_model(f'hspnet_{encoder}_ce_mtchi.py')
    shapes, logits = ds_block_shapes(model, 400)
    assert len(shapes) == 5
    for (c, c_out, side_in, side_out), table in zip(shapes, TABLE_1[encoder]):
        side = math.ceil(400 / table[2])  # x/32 of 400 is 12.5: ResNet: 13
        assert (c, c_out) == table[:2]
        assert tuple(side_in) == tuple(side_out) == (side, side)
    assert logits.shape == (1, 5, 400, 400)


def test_fusion_channels_reads_table_1_literally():
    """fusion_channels=256: a 1x1 conv gives DS-Block 5 Table 1's c = 256."""
    model = build_model('hspnet_r34_ce_mtchi.py', fusion_channels=256)
    shapes, logits = ds_block_shapes(model, 64, batch=2)
    assert shapes[4][:2] == (256, 256)
    assert logits.shape == (2, 5, 64, 64)
    proj = model.decode_head.fusion_proj
    assert proj.conv.kernel_size == (1, 1)
    assert (proj.conv.in_channels, proj.conv.out_channels) == (480, 256)


def test_r101_parameter_count_within_3_percent_of_paper():
    model = build_model('_base_/models/hspnet_r101.py')
    params = sum(p.numel() for p in model.parameters())
    assert count_params(model) == params == 68_220_869  # docs/models.md
    print(f'HSP-Net R101, 5 classes: {params:,} parameters '
          f'({params / PAPER_PARAMS - 1:+.2%} vs the paper\'s 69.70M)')
    assert abs(params / PAPER_PARAMS - 1) < 0.03


def test_ds_block_branches_and_pooled_branch_is_bilinear_upsampling():
    block = DSBlock(8, 4, dilations=(2, 3, 4), norm_cfg=dict(type='BN'))
    # The 1x1 and atrous branches are mmseg's ASPPModule, as in ASPPHead.
    assert isinstance(block.branches, ASPPModule)
    convs = [m.conv for m in block.branches]
    assert [c.kernel_size for c in convs] == [(1, 1)] + [(3, 3)] * 3
    assert [c.dilation for c in convs] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert block.project.conv.in_channels == 5 * 4
    for module in block.modules():
        if isinstance(module, ConvModule):
            assert module.with_norm and module.with_activation
    block.eval()
    x = torch.randn(2, 8, 9, 11)
    with torch.no_grad():
        pooled = F.interpolate(
            block.image_pool(x), size=(9, 11), mode='bilinear')
        expected = block.project(
            torch.cat([pooled] + [b(x) for b in block.branches], 1))
        out = block(x)
    assert out.shape == (2, 4, 9, 11)
    torch.testing.assert_close(out, expected)


def test_segmentation_head_is_three_3x3_convs_last_plain():
    head = build_model('hspnet_r34_ce_mtchi.py').decode_head
    assert [m.conv.kernel_size for m in head.seg_convs] == [(3, 3)] * 2
    assert all(m.with_norm and m.with_activation for m in head.seg_convs)
    assert isinstance(head.conv_seg, nn.Conv2d)
    assert head.conv_seg.kernel_size == (3, 3)
    assert (head.conv_seg.in_channels, head.conv_seg.out_channels) == (256, 5)
    # The head returns logits at x/4; the x4 up-sampling is mmseg's single
    # resize in loss_by_feat / predict_by_feat.
    feats = [
        torch.randn(2, c, 64 // s, 64 // s)
        for c, s in zip((64, 128, 256, 512), (4, 8, 16, 32))
    ]
    assert head(feats).shape == (2, 5, 16, 16)


def test_head_forward_is_cls_seg_of_the_features():
    # mmseg 1.x's split: _forward_feature gives the features before
    # conv_seg, at x/4 and `channels` wide.
    head = build_model('hspnet_r34_ce_mtchi.py').decode_head.eval()
    feats = [
        torch.randn(1, c, 64 // s, 64 // s)
        for c, s in zip((64, 128, 256, 512), (4, 8, 16, 32))
    ]
    with torch.no_grad():
        features = head._forward_feature(feats)
        assert features.shape == (1, 256, 16, 16)
        torch.testing.assert_close(head(feats), head.conv_seg(features))


TABLE_3 = {
    'hspnet_r101_ce_no-ds1-4_mtchi.py': [
        'reduce_blocks.0', 'reduce_blocks.1', 'reduce_blocks.2',
        'reduce_blocks.3'
    ],
    'hspnet_r101_ce_no-ds5_mtchi.py': ['fuse_block'],
    'hspnet_r101_ce_no-ds1-5_mtchi.py': [
        'reduce_blocks.0', 'reduce_blocks.1', 'reduce_blocks.2',
        'reduce_blocks.3', 'fuse_block'
    ],
}


@pytest.fixture(scope='module')
def full_model():
    return build_model('hspnet_r101_ce_mtchi.py')


def without(state_dict, prefixes):
    return {
        key: value.shape
        for key, value in state_dict.items()
        if not any(key.startswith(p + '.') for p in prefixes)
    }


@pytest.mark.parametrize('config', sorted(TABLE_3))
def test_ablation_differs_only_where_table_3_says(config, full_model):
    ablation = build_model(config)
    replaced = TABLE_3[config]
    full_head, ablation_head = full_model.decode_head, ablation.decode_head
    for name in replaced:
        block = full_head.get_submodule(name)
        conv = ablation_head.get_submodule(name)
        assert isinstance(block, DSBlock)
        assert isinstance(conv, ConvModule) and conv.with_norm
        assert conv.conv.kernel_size == (1, 1)
        assert conv.conv.in_channels == block.in_channels
        assert conv.conv.out_channels == block.out_channels
    kept = [
        n for n, m in ablation_head.named_modules() if isinstance(m, DSBlock)
    ]
    assert len(kept) == 5 - len(replaced)
    prefixes = ['decode_head.' + name for name in replaced]
    assert without(ablation.state_dict(),
                   prefixes) == without(full_model.state_dict(), prefixes)
    assert type(ablation.decode_head.loss_decode) is type(
        full_model.decode_head.loss_decode)


def test_best_config_swaps_only_the_loss(full_model):
    best = build_model('hspnet_r101_mtchi.py')
    assert type(
        best.decode_head.loss_decode).__name__ == ('AdaptiveElasticLoss')
    assert without(best.state_dict(), []) == without(full_model.state_dict(),
                                                     [])


@pytest.mark.parametrize('config, strides', [
    ('hspnet_r101_ce_os16_mtchi.py', (4, 8, 16, 16, 4)),
    ('hspnet_r101_ce_os8_mtchi.py', (4, 8, 8, 8, 4)),
])
def test_output_stride_ablations_change_only_the_map_sides(
        config, strides, full_model):
    """The encoder-stride ablations: same weights (dilation, not new
    layers), DS-Blocks 3/4 read the finer maps."""
    ablation = build_model(config)
    assert without(ablation.state_dict(),
                   []) == without(full_model.state_dict(), [])
    shapes, logits = ds_block_shapes(ablation, 128)
    assert [tuple(side) for _, _, side, _ in shapes] == [
        (128 // s, 128 // s) for s in strides]
    assert logits.shape == (1, 5, 128, 128)


def test_r34_config_encoder():
    cfg = Config.fromfile(osp.join(CONFIGS, 'hspnet_r34_ce_mtchi.py'))
    assert cfg.model.backbone.depth == 34
    assert cfg.model.backbone.init_cfg.checkpoint.endswith(
        '/resnet34-b627a593.pth')
    assert cfg.model.decode_head.in_channels == (64, 128, 256, 512)


@pytest.mark.parametrize('options, message', [
    (dict(ds_channels=(32, 64, 128)), 'ds_channels'),
    (dict(input_transform='resize_concat'), 'input_transform'),
])
def test_bad_head_options_are_named(options, message):
    kwargs = dict(
        in_channels=(64, 128, 256, 512),
        in_index=(0, 1, 2, 3),
        channels=16,
        num_classes=5)
    kwargs.update(options)
    with pytest.raises(ValueError, match=message):
        HSPHead(**kwargs)
