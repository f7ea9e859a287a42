"""Atrous layers in the miniature: the share of off-centre taps that land on
the feature map, dilations scaled with the patch, and the check that every
atrous layer of the cpu preset's rows keeps at least half the paper's
share."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_hsp  # noqa: F401 (registration)
from conftest import REPO_ROOT
from mmseg.registry import MODELS
from mmseg_hsp.experiments.table5 import ALL_ROWS, PRESETS
from mmseg_hsp.models.atrous import (PAPER_PATCH, atrous_layers,
                                     compare_tap_shares, scale_dilation,
                                     tap_share)
from mmseg_hsp.models.miniature import miniature

CPU_PATCH = PRESETS['cpu'].patch
# The rows with atrous layers (head or encoder); the others have none.
ATROUS_ROWS = {
    'hspnet-r101-ae', 'hspnet-r101-ce', 'hspnet-r34-ce', 'deeplabv3plus',
    'deeplabv3plus-ae', 'fcn-d8-zoo', 'deeplabv3plus-zoo', 'hspnet-os16',
    'hspnet-os8', 'hspnet-no-ds5', 'hspnet-no-ds1-4'
}


def test_tap_share_counts_taps_on_the_map():
    # Side 13 (x/32 of 400 px), dilation 6: along one axis a tap 6 px off
    # is on the map for 7 of 13 positions; 4 edge taps, 4 diagonal ones.
    assert tap_share(6, 13) == pytest.approx((4 * 7 / 13 + 4 *
                                              (7 / 13)**2) / 8)
    assert tap_share(1, 1) == 0 and tap_share(6, 6) == 0
    assert tap_share(18, 13) == 0
    # The review's figures: DS-Block 4 at 400 px 41/4/0 %, DS-Block 3 at
    # 400 px 67/40/18 % and at 128 px 16/0/0 %.
    assert [round(100 * tap_share(d, 13)) for d in (6, 12, 18)] == [41, 4, 0]
    assert [round(100 * tap_share(d, 25)) for d in (6, 12, 18)] == [
        67, 40, 18]
    assert [round(100 * tap_share(d, 8)) for d in (6, 12, 18)] == [16, 0, 0]


def test_dilations_scale_with_the_patch_and_stay_atrous():
    assert [scale_dilation(d, 128) for d in (1, 6, 12, 18)] == [1, 2, 4, 6]
    assert [scale_dilation(d, 400) for d in (1, 6, 12, 18)] == [1, 6, 12, 18]
    # 6 * 64 / 400 = 0.96 would make a 1x1 branch of an atrous one.
    assert [scale_dilation(d, 64) for d in (1, 6, 12, 18)] == [1, 2, 2, 3]


def miniature_layers(config, patch, scale=True):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', f'{config}.py'))
    miniature(cfg.model, patch if scale else PAPER_PATCH)
    return atrous_layers(MODELS.build(cfg.model), patch)


def cut_layers(small, paper):
    """Layers that keep less than half the paper's share, where the paper's
    share is at least 5 %."""
    return [(name, round(s, 3), round(p, 3))
            for name, s, p in compare_tap_shares(small, paper)
            if p >= 0.05 and s < 0.5 * p]


@pytest.mark.parametrize('row', ALL_ROWS, ids=lambda row: row.key)
def test_cpu_preset_keeps_at_least_half_the_papers_tap_share(row):
    small = miniature_layers(row.config, CPU_PATCH)
    # The paper-sized network at 400 px: the miniature's widths do not
    # change the map sides, and its dilations are the paper's at 400.
    paper = miniature_layers(row.config, PAPER_PATCH)
    assert bool(small) == (row.key in ATROUS_ROWS)
    assert cut_layers(small, paper) == []


def test_unscaled_dilations_fail_the_check():
    """The old preset (6/12/18 at 128 px): DS-Block 4's 4x4 map sees none
    of its off-centre taps, DS-Block 3's 8x8 map 16 % at dilation 6."""
    small = miniature_layers('hspnet_r101_mtchi', CPU_PATCH, scale=False)
    paper = miniature_layers('hspnet_r101_mtchi', PAPER_PATCH)
    cut = {name: (s, p) for name, s, p in cut_layers(small, paper)}
    ds4 = 'decode_head.reduce_blocks.3.branches.1.conv'
    ds3 = 'decode_head.reduce_blocks.2.branches.1.conv'
    assert cut[ds4] == (0.0, 0.414)
    assert cut[ds3] == (0.156, 0.669)


def test_miniature_of_an_unknown_encoder_is_named():
    with pytest.raises(ValueError, match="no width settings for a "
                       "'MobileNetV2' encoder"):
        miniature(dict(backbone=dict(type='MobileNetV2'), decode_head={}),
                  CPU_PATCH)
