"""Table 5's protocol: 'x' is stitching each patch's own prediction, the
baselines differ from HSP-Net in the model only, the paper-sized baselines
have the paper's parameter counts, and the batch is 16 in total."""
import os
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image

from conftest import REPO_ROOT, TESTS_DIR
from test_foundation_tools import TINY_CFG, read_probe, write_tiny_dataset
from test_post_processing import (predict_in_test_loop, region_png,
                                  tiny_segmentor)

import mmseg_hsp  # noqa: F401
from mmseg.registry import MODELS
from mmseg_hsp.engine.batch import split_total_batch
from mmseg_hsp.models.utils import count_params

HSPNET = 'hspnet_r101_ce_mtchi'
BASELINES = ('deeplabv3plus_r101_mtchi', 'deeplabv3plus_r101-os16_paper_mtchi',
             'deeplabv3plus_r101-os16_paper_ae_mtchi', 'fcn_r101_mtchi',
             'fcn32s_r101_mtchi', 'fcn16s_r101_mtchi', 'unet_s5-d16_mtchi',
             'unet_original_mtchi')
# U-Net has no pretrained encoder: its "backbone" (all of mmseg's U-Net)
# learns at the full rate instead of the 0.1 of a pretrained encoder.
UNET_OPTIM = dict(custom_keys=dict(backbone=dict(lr_mult=1.0)))
# `model` and the top-level variables its config files build it from.
MODEL_KEYS = ('model', 'norm_cfg', 'data_preprocessor')


def config(name):
    return Config.fromfile(os.path.join(REPO_ROOT, 'configs', f'{name}.py'))


def test_x_labels_are_each_patch_predicted_alone_and_tiled(tmp_path):
    """'x' (mode none) equals predicting every 64 px patch on its own
    (whole-image mode) and tiling the labels; patches past the edge are
    padded white, as the slide pipeline pads."""
    patch = 64
    stitched = predict_in_test_loop(
        tiny_segmentor(dict(mode='none', crop_size=(patch, patch))),
        region_png(tmp_path))
    alone = tiny_segmentor(dict(mode='whole'))
    image = np.asarray(Image.open(region_png(tmp_path)))
    height, width = image.shape[:2]
    expected = np.full((height, width), -1, np.int64)
    for top in range(0, height, patch):
        for left in range(0, width, patch):
            tile = np.full((patch, patch, 3), 255, np.uint8)
            part = image[top:top + patch, left:left + patch]
            tile[:part.shape[0], :part.shape[1]] = part
            path = tmp_path / f'patch_{top}_{left}.png'
            Image.fromarray(tile).save(path)
            labels = predict_in_test_loop(alone, str(path))
            expected[top:top + patch, left:left + patch] = \
                labels[:part.shape[0], :part.shape[1]]
    assert (expected >= 0).all() and len(np.unique(expected)) > 1
    np.testing.assert_array_equal(stitched, expected)


@pytest.mark.parametrize('name', [HSPNET, 'hspnet_r101_mtchi', *BASELINES])
def test_mtchi_configs_test_with_the_papers_protocol(name):
    test_cfg = config(name).model.test_cfg
    assert dict(test_cfg) == dict(
        mode='none', crop_size=(400, 400), stride=(100, 100))


@pytest.mark.parametrize('name', BASELINES)
def test_baselines_differ_from_hspnet_in_the_model_only(name):
    ours, theirs = config(HSPNET).to_dict(), config(name).to_dict()
    assert theirs['model'].get('auxiliary_head') is None
    if name.startswith('unet'):
        assert theirs['optim_wrapper'].pop('paramwise_cfg') == UNET_OPTIM
        ours['optim_wrapper'].pop('paramwise_cfg')
    for key in MODEL_KEYS:
        ours.pop(key, None), theirs.pop(key, None)
    assert ours == theirs


@pytest.mark.parametrize('name, paper', [
    ('deeplabv3plus_r101-os16_paper_mtchi', 59_340_197),
    ('unet_original_mtchi', 31_031_810),
])
def test_paper_sized_baselines_have_table5_parameter_counts(name, paper):
    cfg = config(name)
    cfg.model.backbone.init_cfg = None  # no download
    init_default_scope('mmseg')
    params = count_params(MODELS.build(cfg.model))
    assert params == pytest.approx(paper, rel=0.01)


def test_total_batch_splits_over_processes(monkeypatch):
    cfg = config(HSPNET)
    assert cfg.total_batch_size == 16
    split_total_batch(cfg, 'none')
    assert cfg.train_dataloader.batch_size == 16
    monkeypatch.setenv('WORLD_SIZE', '4')
    split_total_batch(cfg, 'pytorch')
    assert cfg.train_dataloader.batch_size == 4
    monkeypatch.setenv('WORLD_SIZE', '3')
    with pytest.raises(ValueError, match='16 does not split over 3'):
        split_total_batch(cfg, 'pytorch')


def test_dist_train_two_processes_batch_8_each_for_16(tmp_path):
    data_root = write_tiny_dataset(str(tmp_path / 'data'), n=16)
    work_dir = str(tmp_path / 'dist')
    proc = subprocess.run(
        [
            'bash', 'tools/dist_train.sh', TINY_CFG, '2', '--work-dir',
            work_dir, '--cfg-options',
            f'train_dataloader.dataset.data_root={data_root}',
            'total_batch_size=16', 'train_cfg.max_iters=2'
        ],
        cwd=REPO_ROOT,
        env=dict(os.environ,
                 PYTHON=sys.executable,
                 PYTHONPATH=os.pathsep.join([REPO_ROOT, TESTS_DIR]),
                 PORT=str(29500 + (os.getpid() + 500) % 1000),
                 OMP_NUM_THREADS='1'),
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    probes = [read_probe(work_dir, rank) for rank in (0, 1)]
    assert [p['world_size'] for p in probes] == [2, 2]
    assert [p['batch_sizes'] for p in probes] == [[8, 8], [8, 8]]
