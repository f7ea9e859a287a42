"""A few training steps of HSP-Net (ResNet-34, AE-loss) on a fixed random
batch lower the loss: the head, the loss and mmseg's train step fit."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_hsp  # noqa: F401 (registration)
from conftest import REPO_ROOT
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample


def random_batch(batch=2, size=64, seed=0):
    """uint8 images and 5-class labels in blocks, a few pixels ignored."""
    gen = torch.Generator().manual_seed(seed)
    inputs = [
        torch.randint(
            0, 256, (3, size, size), generator=gen, dtype=torch.uint8)
        for _ in range(batch)
    ]
    samples = []
    for _ in range(batch):
        blocks = torch.randint(0, 5, (1, 4, 4), generator=gen)
        label = blocks.repeat_interleave(size // 4,
                                         1).repeat_interleave(size // 4, 2)
        label[:, :2] = 255
        sample = SegDataSample(metainfo=dict(img_shape=(size, size)))
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_training_steps_lower_the_loss():
    torch.manual_seed(0)
    init_default_scope('mmseg')
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'hspnet_r34_ce_mtchi.py'))
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor.size = (64, 64)
    cfg.model.decode_head.loss_decode = dict(type='AdaptiveElasticLoss')
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    optim_wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.005, momentum=0.9))
    data = random_batch()
    losses = [
        model.train_step(data, optim_wrapper)['decode.loss_ae'].item()
        for _ in range(10)
    ]
    assert all(torch.isfinite(torch.tensor(losses)))
    # Batch-norm statistics make single steps noisy: compare the last three.
    assert sum(losses[-3:]) / 3 < 0.8 * losses[0], losses
