"""tools/test.py --show-dir paints every test image, and the work dir of a
--show-dir run and of a --tta run stays readable by
tools/analysis/table5.py."""
import csv
import glob
import os.path as osp
import subprocess
import sys

import pytest
from fixtures.test_runs import random_checkpoint, run_test_tool

from conftest import REPO_ROOT

from mmseg_hsp.datasets import write_synthetic_mtchi

# The demo's small HSP-Net.
CONFIG = 'configs/hspnet_r18_synthetic_demo.py'
NUM_TEST = 3


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """A random demo checkpoint tested on three synthetic Test regions,
    with --show-dir and then with --tta, into one work dir."""
    folder = tmp_path_factory.mktemp('show_dir')
    root = str(folder / 'Task2')
    write_synthetic_mtchi(root, 0, NUM_TEST, (64, 64), thickness=(20, 30),
                          segment_length=(20, 40))
    checkpoint = str(folder / 'demo.pth')
    random_checkpoint(CONFIG, [], checkpoint)
    work_dir, show_dir = str(folder / 'work'), str(folder / 'vis')
    for flags in (['--show-dir', show_dir], ['--tta']):
        proc = run_test_tool(CONFIG, checkpoint, work_dir, root, flags=flags)
        assert proc.returncode == 0, proc.stderr[-4000:]
    return root, work_dir, show_dir


def test_show_dir_paints_every_test_image(runs):
    root, work_dir, show_dir = runs
    painted = sorted(
        osp.basename(p)
        for p in glob.glob(osp.join(show_dir, '**', '*.png'), recursive=True))
    images = sorted(
        osp.basename(p)
        for p in glob.glob(osp.join(root, 'Test', 'Img', '*.png')))
    assert len(images) == NUM_TEST
    # LocalVisBackend names them test_<image>_<step>.png.
    assert painted == [f'test_{name}_0.png' for name in images]
    # The run folder still records its config, as without --show-dir.
    show_run = sorted(glob.glob(osp.join(work_dir, '2*')))[0]
    with open(osp.join(show_run, 'vis_data', 'config.py')) as f:
        assert "type='HSPHead'" in f.read()


def test_table5_reads_show_dir_and_tta_runs(runs, tmp_path):
    _, work_dir, _ = runs
    proc = subprocess.run([
        sys.executable, 'tools/analysis/table5.py', work_dir, '--out-dir',
        str(tmp_path), '--no-paper'
    ],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / 'table5.csv') as f:
        rows = list(csv.DictReader(f))
    assert sorted((r['Network'], r['Post']) for r in rows) == [
        ('HSP-Net (R-18)', 'x'), ('HSP-Net (R-18)', 'x + TTA')
    ]
    assert rows[0]['Parameters'] == rows[1]['Parameters']
