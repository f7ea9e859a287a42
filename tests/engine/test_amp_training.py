"""Mixed-precision training on CPU: ``AutocastOptimWrapper`` and
``tools/train.py --amp``."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

import mmseg_hsp  # noqa: F401 (registers the wrapper)
from mmseg.registry import OPTIM_WRAPPERS
from mmseg_hsp.tiling import cpu_bf16_flags
from conftest import REPO_ROOT, TESTS_DIR
from fixtures.tiny_training import TINY_CFG, read_probe, write_tiny_dataset


def build_wrapper(model, **kwargs):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return OPTIM_WRAPPERS.build(
        dict(type='AutocastOptimWrapper', optimizer=optimizer, **kwargs))


def test_forward_runs_bf16_and_steps_like_optim_wrapper():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    wrapper = build_wrapper(model)
    before = model[0].weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 3, 8, 8))
    assert out.dtype is torch.bfloat16
    wrapper.update_params(out.float().square().mean())
    assert model[0].weight.dtype is torch.float32
    assert not torch.equal(model[0].weight, before)
    # Checkpoints are OptimWrapper's: they resume with or without it.
    plain = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    assert wrapper.state_dict().keys() == plain.state_dict().keys()


def test_float16_is_refused_with_the_reason():
    with pytest.raises(ValueError, match='float16 needs loss scaling'):
        build_wrapper(nn.Linear(2, 2), dtype='float16')


@pytest.mark.skipif(torch.cuda.is_available(),
                    reason='with CUDA, --amp is mmengine\'s AmpOptimWrapper')
def test_train_amp_on_cpu(tmp_path):
    data_root = write_tiny_dataset(str(tmp_path / 'data'))
    work_dir = str(tmp_path / 'work')
    # This checkout's package first, as the tool imports it.
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join([REPO_ROOT, TESTS_DIR]),
               OMP_NUM_THREADS='1')
    proc = subprocess.run([
        sys.executable, 'tools/train.py', TINY_CFG, '--work-dir', work_dir,
        '--amp', '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}'
    ], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert read_probe(work_dir)['iters'] == [0, 1, 2]
    with open(osp.join(work_dir, 'tiny_fcn.py')) as f:
        dumped = f.read()
    if cpu_bf16_flags():
        assert "type='AutocastOptimWrapper'" in dumped
    else:  # float32, said in one line
        assert "type='OptimWrapper'" in dumped
        assert 'no native bfloat16' in proc.stdout + proc.stderr


def sgd_config():
    from mmengine.config import Config
    return Config(
        dict(optim_wrapper=dict(type='OptimWrapper',
                                optimizer=dict(type='SGD', lr=0.1))))


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU wrappers')
def test_enable_amp_applies_the_chosen_precision_on_cpu():
    from mmseg_hsp.engine.amp import enable_amp
    cfg = sgd_config()
    assert enable_amp(cfg, 'bf16') == 'bf16'  # asked: even if emulated
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    cfg = sgd_config()
    expected = 'bf16' if cpu_bf16_flags() else 'fp32'
    assert enable_amp(cfg, 'auto') == expected
    assert cfg.optim_wrapper.type == ('AutocastOptimWrapper'
                                      if cpu_bf16_flags() else 'OptimWrapper')
    cfg = sgd_config()
    with pytest.raises(ValueError, match='float16 autocast is for CUDA'):
        enable_amp(cfg, 'fp16')
    assert cfg.optim_wrapper.type == 'OptimWrapper'


def test_enable_amp_refuses_another_wrapper_whatever_the_precision():
    from mmseg_hsp.engine.amp import enable_amp
    cfg = sgd_config()
    cfg.optim_wrapper.type = 'OptimWrapperDict'
    with pytest.raises(ValueError, match='got OptimWrapperDict'):
        enable_amp(cfg, 'auto')
