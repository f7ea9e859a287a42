"""MTCHI in two tiers (LSIL = CIN1, HSIL = CIN2 + CIN3): the dataset, its
configs, the metric's two-tier label set and the fine-tuning config."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_hsp  # noqa: F401 (registers the datasets and transforms)
from conftest import REPO_ROOT
from mmseg.registry import DATASETS
from mmseg_hsp.evaluation import mtchi_scores
from mmseg_hsp.grading import two_tier_labels

CONFIGS = osp.join(REPO_ROOT, 'configs')
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMTCHIAnnotations'),
    dict(type='PackSegInputs')
]


def test_two_tier_labels_of_mtchi_and_refusal():
    assert two_tier_labels(['background', 'normal', 'CIN1', 'CIN2',
                            'CIN3']) == (['background', 'normal', 'LSIL',
                                          'HSIL'], [0, 1, 2, 3, 3])
    with pytest.raises(ValueError, match='need the classes CIN1, CIN2, CIN3'
                       '; the model\'s classes are a, b'):
        two_tier_labels(['a', 'b'])


def test_dataset_yields_tier_labels(tmp_path):
    mask = np.array([[0, 1, 2], [3, 4, 0]], np.uint8)
    for folder in ('Img', 'Truth'):
        (tmp_path / folder).mkdir()
    cv2.imwrite(str(tmp_path / 'Img' / 'r.png'), np.full((2, 3, 3), 200,
                                                         np.uint8))
    cv2.imwrite(str(tmp_path / 'Truth' / 'Mask_r.png'), mask)
    init_default_scope('mmseg')
    dataset = DATASETS.build(
        dict(type='MTCHITwoTierDataset', data_root=str(tmp_path),
             data_prefix=dict(img_path='Img', seg_map_path='Truth'),
             pipeline=PIPELINE))
    assert dataset.metainfo['classes'] == ('background', 'normal', 'LSIL',
                                           'HSIL')
    # normal as the grades' set has it (amber), a tier in its highest
    # grade's colour: LSIL green, HSIL red
    assert dataset.metainfo['palette'] == [[0, 0, 0], [255, 176, 0],
                                           [0, 255, 0], [255, 0, 0]]
    gt = dataset[0]['data_samples'].gt_sem_seg.data[0].numpy()
    assert gt.tolist() == [[0, 1, 2], [3, 3, 0]]


def test_two_tier_config_builds_by_inheritance():
    cfg = Config.fromfile(osp.join(CONFIGS, 'hspnet_r101_mtchi_two_tier.py'))
    base = Config.fromfile(osp.join(CONFIGS, 'hspnet_r101_mtchi.py'))
    assert cfg.model.decode_head.num_classes == 4
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.type == 'MTCHITwoTierDataset'
        assert cfg[loader].dataset.data_prefix == \
            base[loader].dataset.data_prefix
    assert cfg.model.decode_head.loss_decode == \
        base.model.decode_head.loss_decode
    init_default_scope('mmseg')
    from mmseg.registry import MODELS
    cfg.model.backbone.init_cfg = None
    assert MODELS.build(cfg.model).decode_head.num_classes == 4


def test_metric_scores_two_tiers_over_normal_lsil_hsil():
    # truth x prediction: normal 4 right; LSIL 2 right, 2 as HSIL; HSIL 3
    confusion = np.zeros((4, 4), np.int64)
    confusion[1, 1], confusion[2, 2], confusion[2, 3] = 4, 2, 2
    confusion[3, 3] = 3
    names = ('background', 'normal', 'LSIL', 'HSIL')
    scores = mtchi_scores(confusion, names)
    assert scores['IoU.normal'] == 1.0
    assert scores['IoU.LSIL'] == 0.5
    assert scores['IoU.HSIL'] == 3 / 5
    assert scores['mIoU'] == pytest.approx((1 + 0.5 + 0.6) / 3)
    assert scores['NLH-mIoU'] == scores['mIoU']
    assert scores['NC-mIoU'] == 1.0  # LSIL and HSIL are both CIN
    assert scores['Dice.LSIL'] == 2 * 2 / (4 + 2)


def test_finetune_config_is_base_at_a_tenth_of_the_lr():
    cfg = Config.fromfile(osp.join(CONFIGS, 'hspnet_r101_mtchi_finetune.py'))
    base = Config.fromfile(osp.join(CONFIGS, 'hspnet_r101_mtchi.py'))
    assert cfg.optim_wrapper.optimizer.lr == \
        base.optim_wrapper.optimizer.lr / 10
    assert cfg.optim_wrapper.paramwise_cfg == base.optim_wrapper.paramwise_cfg
    assert cfg.train_cfg.max_epochs < base.train_cfg.max_epochs
    assert cfg.param_scheduler[0].end == cfg.train_cfg.max_epochs
    assert cfg.load_from.endswith('.pth')
    assert cfg.model.backbone.init_cfg is None
    assert cfg.model.decode_head == base.model.decode_head
