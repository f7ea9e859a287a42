"""tools/test.py --tta (mmseg's SegTTAModel) on the MTCHI configs."""
import glob
import json
import os.path as osp

import pytest
import torch
from fixtures.test_runs import random_checkpoint, run_test_tool
from mmseg.structures import SegDataSample

from mmseg_hsp.datasets import write_synthetic_mtchi
from mmseg_hsp.evaluation.mtchi_metric import unflipped_inputs

# The demo's small HSP-Net (the MTCHI dataset config, its tta_pipeline).
CONFIG = 'configs/hspnet_r18_synthetic_demo.py'
GAUSS = [
    'model.test_cfg.mode=gauss', 'model.test_cfg.crop_size=(32,32)',
    'model.test_cfg.stride=(16,16)'
]


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory):
    """A random demo checkpoint and two synthetic Test regions."""
    folder = tmp_path_factory.mktemp('tta')
    root = str(folder / 'Task2')
    write_synthetic_mtchi(root, 0, 2, (64, 64), thickness=(20, 30),
                          segment_length=(20, 40))
    checkpoint = str(folder / 'demo.pth')
    random_checkpoint(CONFIG, [], checkpoint)
    return root, checkpoint


@pytest.mark.parametrize('mode', [[], GAUSS], ids=['whole', 'gauss'])
def test_tools_test_tta_writes_metrics(tmp_path, demo_run, mode):
    root, checkpoint = demo_run
    work_dir = str(tmp_path / 'work')
    proc = run_test_tool(CONFIG, checkpoint, work_dir, root, mode,
                         ['--tta'])
    assert proc.returncode == 0, proc.stderr[-4000:]
    # The run used SegTTAModel over the demo model, in the asked mode.
    run_dir, = glob.glob(osp.join(work_dir, '2*'))
    with open(glob.glob(osp.join(run_dir, 'vis_data', 'config.py'))[0]) as f:
        config = f.read()
    assert "type='SegTTAModel'" in config
    assert ("mode='gauss'" in config) == bool(mode)
    metrics_file, = glob.glob(osp.join(run_dir, '*.json'))
    with open(metrics_file) as f:
        metrics = json.loads(f.readlines()[-1])
    for key in ('Dice', 'mIoU', 'AP'):
        assert 0 <= metrics[key] <= 1, metrics  # fractions


def test_black_input_mask_reads_the_unflipped_view():
    """MTCHIMetric(zero_black_input=True) under --tta: inputs come per view."""
    views = [[torch.full((3, 4, 4), float(v))] for v in range(3)]
    flips = [True, False, True]
    batch = dict(inputs=views,
                 data_samples=[[SegDataSample(metainfo=dict(flip=flip))]
                               for flip in flips])
    assert unflipped_inputs(batch) is views[1]
    plain = dict(inputs=[torch.zeros(3, 4, 4)], data_samples=[None])
    assert unflipped_inputs(plain) is plain['inputs']
    batch['data_samples'][1][0].set_metainfo(dict(flip=True))
    with pytest.raises(ValueError, match='not flipped'):
        unflipped_inputs(batch)
