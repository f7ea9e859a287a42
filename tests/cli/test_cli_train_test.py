"""tools/train.py and tools/test.py over the API: --amp in test.py, and the
API's argument errors as one line naming the flag."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from fixtures.tiny_training import write_tiny_dataset

from conftest import REPO_ROOT, TESTS_DIR
from mmseg_hsp.apis import train_model

CONFIG = osp.join(TESTS_DIR, 'configs', 'tiny_fcn_eval.py')


def run_tool(*args):
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([REPO_ROOT, TESTS_DIR]))
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    root = write_tiny_dataset(str(tmp_path_factory.mktemp('data')))
    data = {f'{loader}.dataset.data_root': root
            for loader in ('train_dataloader', 'test_dataloader')}
    run = train_model(CONFIG, str(tmp_path_factory.mktemp('run')),
                      cfg_options=data)
    return run['checkpoint'], [f'{key}={value}' for key, value in data.items()]


def test_test_tool_runs_in_the_precision_asked(trained, tmp_path):
    checkpoint, options = trained
    proc = run_tool('tools/test.py', CONFIG, checkpoint, '--amp', 'bf16',
                    '--work-dir', str(tmp_path), '--cfg-options', *options)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run, ) = [p for p in tmp_path.iterdir() if p.is_dir()]
    config = (run / 'vis_data' / 'config.py').read_text()
    assert "amp='bf16'" in config
    assert (run / f'{run.name}.json').is_file()


@pytest.mark.skipif(torch.cuda.is_available(), reason='float16 on CPU only')
@pytest.mark.parametrize('tool', ['train', 'test'])
def test_an_impossible_amp_names_the_flag(trained, tmp_path, tool):
    checkpoint, _ = trained
    positionals = [CONFIG] + ([checkpoint] if tool == 'test' else [])
    proc = run_tool('-m', f'mmseg_hsp.cli.{tool}', *positionals, '--amp',
                    'fp16', '--work-dir', str(tmp_path / 'work'))
    assert proc.returncode == 2
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        f'{tool}.py: error: --amp fp16: float16 autocast is for CUDA; on CPU '
        'use bf16 (or auto: bfloat16 where it is native)')
    assert not (tmp_path / 'work').exists()
