"""``mmseg_hsp::<cfg>.py`` names a config wherever a tool or the API takes
a config path, not only in ``_base_``."""
import argparse
import os
import subprocess
import sys

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config

from mmseg_hsp.cli import load_config

DEMO = 'mmseg_hsp::hspnet_r18_synthetic_demo.py'


def test_config_fromfile_takes_a_package_name():
    cfg = Config.fromfile(DEMO)
    shipped = Config.fromfile(
        os.path.join(REPO_ROOT, 'configs', 'hspnet_r18_synthetic_demo.py'))
    assert cfg.model.to_dict() == shipped.model.to_dict()
    with pytest.raises(FileNotFoundError,
                       match=r'mmseg_hsp::nope\.py: no such config in '):
        Config.fromfile('mmseg_hsp::nope.py')


def test_train_and_test_name_the_work_dir_after_the_config():
    args = argparse.Namespace(config=DEMO, launcher='none', cfg_options=None,
                              work_dir=None, local_rank=0)
    assert load_config(args).work_dir == \
        './work_dirs/hspnet_r18_synthetic_demo'


@pytest.mark.parametrize('tool, next_error', [
    ('infer_wsi.py', 'no.pth'),  # the checkpoint, read after the config
    ('analysis/amp_agreement.py', 'Task2/Test/Img'),  # the config's data
])
def test_tools_read_a_package_config(tmp_path, tool, next_error):
    (tmp_path / 'slide.png').write_bytes(b'')
    args = [DEMO, str(tmp_path / 'no.pth')] + (
        [str(tmp_path / 'slide.png'), '--out-dir', str(tmp_path / 'out')]
        if tool == 'infer_wsi.py' else [])
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, 'tools', tool), *args],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert next_error in last, result.stderr[-2000:]
    assert 'mmseg_hsp::' not in last
