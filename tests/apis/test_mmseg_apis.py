"""mmseg's own inference APIs on the plugin's configs: what an mmseg user
tries first after training (``inference_model``, ``MMSegInferencer`` and the
steps of mmseg's ``demo/image_demo.py``)."""
import glob
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from PIL import Image

from mmseg.apis import (MMSegInferencer, inference_model, init_model,
                        show_result_pyplot)
from mmseg.apis.utils import _preprare_data
from mmseg_hsp.datasets import MTCHI_CLASSES, MTCHI_PALETTE

from conftest import REPO_ROOT

DEMO_CFG = osp.join(REPO_ROOT, 'configs', 'hspnet_r18_synthetic_demo.py')
MTCHI_CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '*.py')))
H, W = 48, 64


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """The demo model, randomly initialised, saved as training saves it."""
    model = init_model(DEMO_CFG, device='cpu')
    path = tmp_path_factory.mktemp('ckpt') / 'demo.pth'
    torch.save({
        'state_dict': model.state_dict(),
        'meta': {
            'dataset_meta': dict(classes=MTCHI_CLASSES, palette=MTCHI_PALETTE)
        }
    }, path)
    return str(path)


@pytest.fixture(scope='module')
def image(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp('img') / 'region.png'
    Image.fromarray(rng.integers(0, 256, (H, W, 3), np.uint8)).save(path)
    return str(path)


def test_image_demo_steps(checkpoint, image, tmp_path):
    """mmseg's demo/image_demo.py, step by step, with a file and an array."""
    model = revert_sync_batchnorm(init_model(DEMO_CFG, checkpoint, 'cpu'))
    result = inference_model(model, image)
    labels = result.pred_sem_seg.data
    assert labels.shape == (1, H, W)
    assert set(labels.unique().tolist()) <= set(range(len(MTCHI_CLASSES)))
    bgr = np.ascontiguousarray(np.asarray(Image.open(image))[..., ::-1])
    assert torch.equal(inference_model(model, bgr).pred_sem_seg.data, labels)

    out_file = tmp_path / 'painted.png'
    show_result_pyplot(model, image, result, draw_gt=False, show=False,
                       out_file=str(out_file))
    assert Image.open(out_file).size == (W, H)


def test_mmseg_inferencer(checkpoint, image):
    model = revert_sync_batchnorm(init_model(DEMO_CFG, checkpoint, 'cpu'))
    expected = inference_model(model, image).pred_sem_seg.data
    inferencer = MMSegInferencer(DEMO_CFG, checkpoint, device='cpu')
    result = inferencer(image, return_datasamples=True)
    assert torch.equal(result.pred_sem_seg.data, expected)


@pytest.mark.parametrize('config', MTCHI_CONFIGS, ids=osp.basename)
def test_every_config_has_inference_pipelines(config, image):
    """Both APIs' test pipelines, as they prepare them, load an image alone
    (``LoadMTCHIAnnotations`` has no mask to load there)."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(config)
    data, _ = _preprare_data(image, SimpleNamespace(cfg=cfg))
    assert data['inputs'][0].shape == (3, H, W)
    inferencer = MMSegInferencer.__new__(MMSegInferencer)
    sample = inferencer._init_pipeline(cfg)(image)
    assert sample['inputs'].shape == (3, H, W)
