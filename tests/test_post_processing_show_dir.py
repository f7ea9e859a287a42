"""tools/test.py --show-dir paints every test image, and its work dir (and a
--tta run's) stays readable by tools/analysis/table5.py."""
import glob
import os.path as osp

import pytest
from fixtures.test_runs import random_checkpoint, run_test_tool

from mmseg_hsp.datasets import write_synthetic_mtchi

# The demo's small HSP-Net.
CONFIG = 'configs/hspnet_r18_synthetic_demo.py'
NUM_TEST = 3


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory):
    """A random demo checkpoint and three synthetic Test regions."""
    folder = tmp_path_factory.mktemp('show_dir')
    root = str(folder / 'Task2')
    write_synthetic_mtchi(root, 0, NUM_TEST, (64, 64), thickness=(20, 30),
                          segment_length=(20, 40))
    checkpoint = str(folder / 'demo.pth')
    random_checkpoint(CONFIG, [], checkpoint)
    return root, checkpoint


def test_show_dir_paints_every_test_image(tmp_path, demo_run):
    root, checkpoint = demo_run
    work_dir, show_dir = str(tmp_path / 'work'), str(tmp_path / 'vis')
    proc = run_test_tool(CONFIG, checkpoint, work_dir, root,
                         flags=['--show-dir', show_dir])
    assert proc.returncode == 0, proc.stderr[-4000:]
    painted = sorted(
        osp.basename(p)
        for p in glob.glob(osp.join(show_dir, '**', '*.png'), recursive=True))
    images = sorted(
        osp.basename(p)
        for p in glob.glob(osp.join(root, 'Test', 'Img', '*.png')))
    assert len(images) == NUM_TEST
    # LocalVisBackend names them test_<image>_<step>.png.
    assert [p.rsplit('_', 1)[0] for p in painted] == [
        f'test_{name}' for name in images
    ]
    # The run folder still records its config, as without --show-dir.
    run_dir, = glob.glob(osp.join(work_dir, '2*'))
    with open(osp.join(run_dir, 'vis_data', 'config.py')) as f:
        assert "type='HSPHead'" in f.read()
