"""Table 5's "Post" column from real tools/test.py runs in two test modes."""
import csv
import subprocess
import sys

from fixtures.test_runs import random_checkpoint, run_test_tool

from conftest import REPO_ROOT

from mmseg_hsp.datasets import write_synthetic_mtchi

# The demo's small HSP-Net, and mmseg's U-Net at 1/8 width: real configs of
# the two families, small enough for checkpoints of a few MB.
MODELS_UNDER_TEST = {
    'HSP-Net (R-18)': ('configs/hspnet_r18_synthetic_demo.py', []),
    'U-Net': ('configs/unet_s5-d16_mtchi.py', [
        'model.backbone.base_channels=8', 'model.decode_head.in_channels=8',
        'model.decode_head.channels=8'
    ]),
}
GAUSS = [
    'model.test_cfg.mode=gauss', 'model.test_cfg.crop_size=(32,32)',
    'model.test_cfg.stride=(16,16)'
]


def test_tools_test_in_two_modes_fills_table5_post(tmp_path):
    root = str(tmp_path / 'Task2')
    write_synthetic_mtchi(root,
                          0,
                          2, (64, 64),
                          thickness=(20, 30),
                          segment_length=(20, 40))
    work_dirs = []
    for i, (config, options) in enumerate(MODELS_UNDER_TEST.values()):
        checkpoint = str(tmp_path / f'model{i}.pth')
        random_checkpoint(config, options, checkpoint)
        work_dirs.append(str(tmp_path / f'work{i}'))
        # One after the other: runs in a work dir are told apart by their
        # timestamp folder (to the second).
        for mode in ([], GAUSS):
            proc = run_test_tool(config, checkpoint, work_dirs[-1], root,
                                 [*options, *mode])
            assert proc.returncode == 0, proc.stderr[-4000:]

    out = tmp_path / 'table'
    subprocess.run([
        sys.executable, 'tools/analysis/table5.py', *work_dirs, '--out-dir',
        str(out), '--no-paper'
    ],
                   cwd=REPO_ROOT,
                   check=True,
                   capture_output=True)
    with open(out / 'table5.csv') as f:
        rows = [r for r in csv.DictReader(f) if 'paper' not in r['Source']]
    marks = sorted((r['Network'], r['Post']) for r in rows)
    assert marks == sorted((network, post) for network in MODELS_UNDER_TEST
                           for post in ('x', '✓ (gauss)'))
    for row in rows:
        assert 0 <= float(row['AP']) <= 1
