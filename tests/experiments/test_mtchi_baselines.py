"""The zoo baselines train on (synthetic) MTCHI through tools/train.py, and
tools/analysis/table5.py tabulates their runs."""
import csv
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT

from mmseg_hsp.datasets import write_synthetic_mtchi
from mmseg_hsp.datasets.mtchi_patches import convert_regions

BASELINES = {
    'fcn_r101_mtchi': 'FCN (R-101)',
    'deeplabv3plus_r101_mtchi': 'DeepLab v3+ (R-101)',
    'unet_s5-d16_mtchi': 'U-Net',
}


def run(args, **popen):
    return subprocess.Popen([sys.executable, *args],
                            cwd=REPO_ROOT,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True,
                            **popen)


def finish(process):
    out, _ = process.communicate()
    assert process.returncode == 0, out[-5000:]
    return out


@pytest.fixture(scope='module')
def work_dirs(tmp_path_factory):
    """One iteration (2 patches of 32 px) of each baseline and a validation
    on one 64 px region; the three runs share the two cores."""
    tmp = tmp_path_factory.mktemp('baselines')
    root = str(tmp / 'Task2')
    write_synthetic_mtchi(
        root, 2, 1, (64, 64), thickness=(20, 30), segment_length=(20, 40))
    convert_regions(
        os.path.join(root, 'Training'),
        os.path.join(root, 'TrainingPatches'),
        patch_size=32,
        stride=32,
        progress=False)
    one_thread = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    dirs, processes = {}, []
    for config in BASELINES:
        dirs[config] = str(tmp / config)
        tiny = [
            f'{loader}.{key}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')
            for key in (f'dataset.data_root={root}', 'num_workers=0',
                        'persistent_workers=False')
        ]
        processes.append(
            run([
                'tools/train.py', f'configs/{config}.py', '--work-dir',
                dirs[config], '--cfg-options', *tiny,
                'train_dataloader.batch_size=2',
                'train_dataloader.dataset.indices=2', 'train_cfg.max_epochs=1',
                'train_cfg.val_interval=1',
                'model.data_preprocessor.size=(32,32)',
                'default_hooks.checkpoint=None'
            ] + (['model.pretrained=None'] if 'r101' in config else []),
                env=one_thread))
    for process in processes:
        finish(process)
    return dirs


def last_validation(work_dir):
    (run_dir, ) = [d for d in os.listdir(work_dir) if d[0].isdigit()]
    with open(os.path.join(work_dir, run_dir, 'vis_data',
                           'scalars.json')) as f:
        return [json.loads(line) for line in f if 'mIoU' in line][-1]


def test_each_baseline_trains_and_is_evaluated(work_dirs):
    for work_dir in work_dirs.values():
        scores = last_validation(work_dir)
        for key in ('Dice', 'mIoU', 'AP', 'NLH-mIoU', 'NC-mIoU', 'IoU.CIN3'):
            assert key in scores
        assert 0 <= scores['AP'] <= 1


def test_table5_from_their_work_dirs(work_dirs, tmp_path):
    out = tmp_path / 'table'
    stdout = finish(
        run([
            'tools/analysis/table5.py', *work_dirs.values(), '--out-dir',
            str(out)
        ]))
    with open(out / 'table5.csv') as f:
        rows = list(csv.DictReader(f))
    ours = {r['Network']: r for r in rows if 'paper' not in r['Source']}
    assert sorted(ours) == sorted(BASELINES.values())
    for config, network in BASELINES.items():
        row, scores = ours[network], last_validation(work_dirs[config])
        assert row['Loss'] == 'CE-Loss' and row['Post'] == 'x'
        for metric in ('Dice', 'mIoU', 'AP'):
            assert float(row[metric]) == pytest.approx(
                scores[metric], abs=5e-5)
        assert work_dirs[config] in row['Source']
    # mmseg's DeepLab v3+ R-101 without its auxiliary head: about the
    # paper's 59.34M (it counts ResNet-101 without fc + ASPP + decoder).
    params = float(ours['DeepLab v3+ (R-101)']['Parameters'].rstrip('M'))
    assert params == pytest.approx(59.34, rel=0.05)
    paper = [r for r in rows if r['Source'] == 'paper (Table 5)']
    assert len(paper) == 20
    assert {
        'Network': 'HSP-Net',
        'Post': '✓ (gauss)',
        'Dice': '0.7822'
    }.items() <= paper[-1].items()
    assert '| U-Net |' in stdout
    assert (out / 'table5.md').read_text().startswith('| Network |')
