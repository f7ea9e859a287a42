"""Issue 11, case 2: a checkpoint that does not fit the model is an error.

mmengine loads weights non-strictly: a checkpoint of another class count, an
empty ``state_dict`` or another model's weights gave label maps and metrics
from random weights, exit code 0, and only a log line saying so.
"""
import os
import subprocess
import sys

import pytest
import torch
from fixtures.wsi_slides import FCN_CONFIG, TINY_FCN_OPTIONS, tiny_checkpoint
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import REPO_ROOT
from mmseg.registry import MODELS
from mmseg_hsp.checkpoint_fit import CheckpointMismatch
from mmseg_hsp.datasets import write_synthetic_mtchi
from mmseg_hsp.wsi.segmenter import build_segmentor

DEMO_CONFIG = 'configs/hspnet_r18_synthetic_demo.py'


def tiny_fcn_checkpoint(folder, mutate):
    """The tiny FCN's checkpoint with its state dict changed by ``mutate``."""
    _, path = tiny_checkpoint(folder)
    checkpoint = torch.load(path, weights_only=True)
    checkpoint['state_dict'] = mutate(checkpoint['state_dict'])
    torch.save(checkpoint, path)
    return path


def three_classes(state_dict):
    return {
        key: value[:3] if key.startswith('decode_head.conv_seg') else value
        for key, value in state_dict.items()
    }


@pytest.mark.parametrize('mutate, named', [
    (three_classes, 'decode_head.conv_seg.weight [3, 16, 1, 1] in the '
     'checkpoint, [5, 16, 1, 1] in the model'),
    (lambda state_dict: {}, 'no weights'),
    (lambda state_dict: torch.nn.Linear(4, 2).state_dict(),
     'missing keys: backbone.'),
])
def test_slide_segmenter_refuses_a_misfit_checkpoint(tmp_path, mutate,
                                                     named):
    path = tiny_fcn_checkpoint(tmp_path, mutate)
    with pytest.raises(CheckpointMismatch) as error:
        build_segmentor(FCN_CONFIG, path, 'cpu', TINY_FCN_OPTIONS)
    message = str(error.value)
    assert '\n' not in message and path in message and named in message


def test_infer_wsi_exits_2_naming_the_shapes(tmp_path):
    path = tiny_fcn_checkpoint(tmp_path, three_classes)
    slides = tmp_path / 'slides'
    slides.mkdir()
    (slides / 'a.png').write_bytes(b'')
    result = subprocess.run(
        [sys.executable, 'tools/infer_wsi.py', FCN_CONFIG, path,
         str(slides), '--out-dir', str(tmp_path / 'out'), '--no-progress',
         '--cfg-options', *[f'{k}={v}' for k, v in TINY_FCN_OPTIONS.items()]],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO_ROOT))
    assert result.returncode == 2
    assert 'Traceback' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert 'decode_head.conv_seg.weight [3, 16, 1, 1]' in last
    assert not (tmp_path / 'out').exists()


def demo_checkpoint(path, state_dict_of):
    cfg = Config.fromfile(os.path.join(REPO_ROOT, DEMO_CONFIG))
    cfg.model.decode_head.num_classes = 3
    init_default_scope('mmseg')
    torch.manual_seed(0)
    torch.save(state_dict_of(MODELS.build(cfg.model)), path)


@pytest.mark.parametrize('state_dict_of, named', [
    (lambda model: model.state_dict(), 'shape mismatches: decode_head.'),
    (lambda model: dict(state_dict={}, meta={}), 'no weights'),
])
def test_tools_test_exits_2_on_a_misfit_checkpoint(tmp_path, state_dict_of,
                                                   named):
    root = str(tmp_path / 'Task2')
    write_synthetic_mtchi(root, 0, 1, (64, 64))
    checkpoint = str(tmp_path / 'other.pth')
    demo_checkpoint(checkpoint, state_dict_of)
    result = subprocess.run(
        [sys.executable, 'tools/test.py', DEMO_CONFIG, checkpoint,
         '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         f'test_dataloader.dataset.data_root={root}',
         'test_dataloader.num_workers=0',
         'test_dataloader.persistent_workers=False'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO_ROOT))
    assert result.returncode == 2, result.stderr[-3000:]
    assert 'Traceback' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('test.py: error:')
    assert checkpoint in last and named in last
