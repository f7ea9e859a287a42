"""A malformed ``--cfg-options`` item is argparse's one error line and exit
2 in every tool that takes it, never a traceback (nor infer_wsi's exit 1,
"some slides failed")."""
import argparse
import os.path as osp
import subprocess
import sys

import pytest
from fixtures.tiny_training import TINY_CFG

from conftest import REPO_ROOT
from mmseg_hsp.cli import add_common_args


@pytest.mark.parametrize('items, message', [
    (['nonsense'], "'nonsense' is not KEY=VALUE"),
    (['a=1', '=3'], "'=3' is not KEY=VALUE"),
    (['a=[1,2'], 'cannot parse a=[1,2 (unbalanced brackets?)'),
])
def test_malformed_item_is_a_usage_error(capsys, items, message):
    parser = argparse.ArgumentParser(prog='train.py')
    add_common_args(parser)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(['--cfg-options', *items])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith('train.py: error: argument --cfg-options: '
                            f'{message}')


def test_well_formed_items_keep_mmengine_parsing():
    parser = argparse.ArgumentParser()
    add_common_args(parser)
    args = parser.parse_args(
        ['--cfg-options', 'a.b=1', 'c=[1,(2,3)]', 'd=x,y', 'e=None'])
    assert args.cfg_options == {'a.b': 1, 'c': [1, (2, 3)],
                                'd': ['x', 'y'], 'e': None}


@pytest.mark.parametrize('tool, args', [
    ('train.py', [TINY_CFG]),
    ('test.py', [TINY_CFG, 'no.pth']),
    ('infer_wsi.py', [TINY_CFG, 'no.pth', 'slide.tif', '--out-dir', 'out']),
])
def test_tools_exit_2_with_one_line(tmp_path, tool, args):
    proc = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', tool), *args,
         '--cfg-options', 'nonsense'],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        f'{tool}: error: argument --cfg-options: '
        "'nonsense' is not KEY=VALUE (e.g. train_cfg.max_iters=2)")
    assert not list(tmp_path.iterdir())
