"""The foundation: mmseg-style tools, resume on torch >= 2.6, CPU DDP,
config inheritance from the installed package, and config errors."""
import argparse
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch
from fixtures.tiny_training import (TINY_CFG, dist_train, read_probe,
                                    write_tiny_dataset)
from mmengine.config import Config

from conftest import REPO_ROOT, TESTS_DIR, make_venv

DEMO_CFG = osp.join(REPO_ROOT, 'configs', 'hspnet_r18_synthetic_demo.py')


def run_tool(args, cwd=REPO_ROOT, check=True, **env):
    pythonpath = os.pathsep.join(
        filter(None, [TESTS_DIR, os.environ.get('PYTHONPATH')]))
    env = {**os.environ, 'PYTHONPATH': pythonpath, 'OMP_NUM_THREADS': '1',
           **env}
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


def train(work_dir, data_root, *extra):
    return run_tool([
        sys.executable, 'tools/train.py', TINY_CFG, '--work-dir', work_dir,
        '--cfg-options', f'train_dataloader.dataset.data_root={data_root}',
        *extra
    ])


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return write_tiny_dataset(str(tmp_path_factory.mktemp('tiny')))


def test_stop_and_resume_continues_from_checkpoint(tmp_path, data_root):
    work_dir = str(tmp_path / 'work')
    # First run stops right after its checkpoint at iteration 3.
    train(work_dir, data_root)
    ckpt_path = osp.join(work_dir, 'iter_3.pth')
    assert osp.isfile(ckpt_path)

    # The checkpoint holds mmengine's MessageHub: torch's weights_only
    # loader refuses it without the plugin's allow-list ...
    proc = run_tool([
        sys.executable, '-c', f'import torch; torch.load({ckpt_path!r})'
    ], check=False)
    assert proc.returncode != 0
    assert 'HistoryBuffer' in proc.stderr
    # ... and accepts it with the plugin imported (weights_only stays on).
    import mmseg_hsp  # noqa: F401
    ckpt = torch.load(ckpt_path, weights_only=True)
    assert ckpt['meta']['iter'] == 3

    train(work_dir, data_root, 'train_cfg.max_iters=5', '--resume')
    probe = read_probe(work_dir)
    assert probe['start_iter'] == 3
    assert probe['iters'] == [3, 4]
    saved = {
        str(k): v['momentum_buffer'].flatten()[:8].tolist()
        for k, v in ckpt['optimizer']['state'].items()
    }
    assert saved and probe['start_momentum'] == saved
    assert torch.load(
        osp.join(work_dir, 'iter_5.pth'), weights_only=True)['meta'][
            'iter'] == 5


def test_load_from_plain_state_dict(tmp_path, data_root):
    from mmengine.runner import Runner

    import mmseg_hsp  # noqa: F401
    cfg = Config.fromfile(TINY_CFG)
    cfg.work_dir = str(tmp_path / 'a')
    cfg.train_dataloader.dataset.data_root = data_root
    model = Runner.from_cfg(cfg).model
    weights = {k: torch.randn_like(v) if v.is_floating_point() else v
               for k, v in model.state_dict().items()}
    plain = str(tmp_path / 'plain.pth')
    torch.save(weights, plain)

    cfg.work_dir = str(tmp_path / 'b')
    cfg.load_from = plain
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    for k, v in runner.model.state_dict().items():
        assert torch.equal(v, weights[k]), k


def test_dist_train_two_cpu_processes(tmp_path, data_root):
    work_dir = str(tmp_path / 'dist')
    proc = dist_train(work_dir, data_root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    probes = [read_probe(work_dir, rank) for rank in (0, 1)]
    assert [p['rank'] for p in probes] == [0, 1]
    assert all(p['world_size'] == 2 for p in probes)
    assert all(p['wrapper'] == 'MMDistributedDataParallel' for p in probes)
    assert all(p['iters'] == [0, 1, 2] for p in probes)
    # DDP averaged the gradients: both replicas end with the same weights.
    assert probes[0]['weight_sum'] == pytest.approx(probes[1]['weight_sum'])


USER_CFG = """
import mmseg_hsp  # as tools/train.py does before reading a config
from mmengine.config import Config
open('my_hspnet.py', 'w').write(
    "_base_ = 'mmseg_hsp::hspnet_r101_mtchi.py'\\n"
    "train_dataloader = dict(batch_size=4)\\n")
cfg = Config.fromfile('my_hspnet.py')
print(mmseg_hsp.__file__)
print(cfg.model.decode_head.type, cfg.model.backbone.depth,
      cfg.train_dataloader.batch_size, cfg.default_scope,
      cfg.custom_imports.imports)
"""


def user_config_values(python, cwd):
    """Where ``python`` imports mmseg_hsp from, and a user config's values
    (the plugin as installed there, whatever PYTHONPATH says)."""
    out = run_tool([python, '-c', USER_CFG], cwd=cwd,
                   PYTHONPATH=TESTS_DIR).stdout
    return out.strip().splitlines()[-2:]


# Inherited through two packages: mmseg's runtime under ours.
USER_CFG_VALUES = "HSPHead 101 4 mmseg ['mmseg_hsp']"


def test_user_config_inherits_from_installed_package(tmp_path):
    """A plain (non-editable) install ships the configs inside the package."""
    run_tool([
        sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
        '--no-build-isolation', REPO_ROOT, '-w',
        str(tmp_path / 'wheel')
    ])
    venv = tmp_path / 'venv'
    python = make_venv(venv)
    wheel = next((tmp_path / 'wheel').glob('mmseg_hsp-*.whl'))
    run_tool([python, '-m', 'pip', 'install', '-q', '--no-deps',
              '--ignore-installed', str(wheel)])
    installed_at, values = user_config_values(python, str(tmp_path))
    assert installed_at.startswith(str(venv))
    assert values == USER_CFG_VALUES


# What an editable install needs of the repository.
PROJECT_FILES = ('setup.py', 'setup.cfg', 'pyproject.toml', 'README.md',
                 'requirements', 'mmseg_hsp', 'configs',
                 '_mmseg_hsp_configs.py')


def test_user_config_inherits_from_pep660_editable_install(tmp_path):
    """pip >= 25 installs editable as PEP 660: site-packages holds only an
    import hook, and mmseg_hsp:: must be found where the code really is."""
    src = tmp_path / 'src'
    src.mkdir()
    for name in PROJECT_FILES:
        path = osp.join(REPO_ROOT, name)
        if osp.isdir(path):
            shutil.copytree(path, src / name, symlinks=True,
                            ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copy(path, src)
    venv = tmp_path / 'venv'
    python = make_venv(venv)
    run_tool([python, '-m', 'pip', 'install', '-q', '--ignore-installed',
              'pip>=25'])
    run_tool([python, '-m', 'pip', 'install', '-q', '--no-deps',
              '--ignore-installed', '--no-build-isolation', '-e', str(src)])
    pip_version = run_tool([python, '-m', 'pip', '--version']).stdout
    assert int(pip_version.split()[1].split('.')[0]) >= 25
    assert list(venv.glob('lib/python*/site-packages/__editable__*'))
    assert not list(venv.glob('lib/python*/site-packages/mmseg_hsp/'))
    installed_at, values = user_config_values(python, str(tmp_path))
    assert installed_at == str(src / 'mmseg_hsp' / '__init__.py')
    assert values == USER_CFG_VALUES


@pytest.mark.parametrize('args, message', [
    (['no/such/config.py'], 'no/such/config.py'),
    ([TINY_CFG, '--cfg-options', 'model.decode_head.typo=1'], 'typo'),
    ([TINY_CFG, '--cfg-options', 'model.decode_head.type=FCNHeed'],
     'FCNHeed'),
    # Refused by the plugin's own HSPHead, passing it on to mmseg's base.
    ([DEMO_CFG, '--cfg-options', 'model.decode_head.typo=1'], 'typo'),
    ([TINY_CFG, '--cfg-options', 'train_dataloader.dataset.data_root=/no/data'
      ], '/no/data/img'),
])
def test_bad_config_gets_one_line_error(tmp_path, args, message):
    proc = run_tool([
        sys.executable, 'tools/train.py', *args, '--work-dir',
        str(tmp_path)
    ], check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert 'Traceback' not in proc.stderr
    assert lines[-1].startswith('train.py: error:')
    assert message in lines[-1]


def test_bug_in_plugin_code_keeps_its_traceback(tmp_path):
    """A KeyError raised by code (not by mmengine reading the config) is a
    bug: it is not turned into a one-line config error."""
    from mmseg_hsp.cli import build_runner, exit_on_error
    import fixtures.buggy_plugin  # noqa: F401
    cfg = Config.fromfile(TINY_CFG)
    cfg.work_dir = str(tmp_path)
    cfg.model.decode_head.type = 'HeadWithKeyErrorBug'
    with pytest.raises(KeyError, match='wide'):
        with exit_on_error(argparse.ArgumentParser(prog='train.py')):
            build_runner(cfg)


def test_offline_pretrained_weights_get_one_line(tmp_path, data_root):
    """An unreachable weights URL ends in one line: which file, where torch
    looks for it, how to point at a copy or train without it."""
    cfg = tmp_path / 'pretrained.py'
    cfg.write_text(
        f'_base_ = {TINY_CFG!r}\n'
        'model = dict(backbone=dict(init_cfg=dict(_delete_=True, '
        'type="Pretrained", '
        'checkpoint="http://127.0.0.1:9/resnet.pth")))\n')
    torch_home = tmp_path / 'torch'
    proc = run_tool([
        sys.executable, 'tools/train.py', str(cfg), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}'
    ], check=False, TORCH_HOME=str(torch_home))
    assert proc.returncode == 2
    assert 'Traceback' not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith('train.py: error: PretrainedWeightsUnavailable: '
                           'cannot download the pretrained weights '
                           'http://127.0.0.1:9/resnet.pth')
    assert f'copy resnet.pth into {torch_home}/hub/checkpoints/' in line
    assert ('--cfg-options model.backbone.init_cfg.checkpoint='
            '/path/to/resnet.pth') in line
    assert line.endswith('--cfg-options model.backbone.init_cfg=None')
