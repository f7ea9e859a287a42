"""A checkpoint whose bytes were damaged after saving (its zip CRCs no
longer match) is refused before any weight is used."""
import os
import subprocess
import sys
import time
import zipfile

import pytest
import torch
from conftest import REPO_ROOT, TESTS_DIR

from mmseg_hsp.checkpoint_file import (UnreadableCheckpoint,
                                       load_checkpoint_file)


def save_checkpoint(path):
    torch.manual_seed(0)
    torch.save(dict(state_dict=dict(weight=torch.randn(64, 64)),
                    meta=dict()), path)
    with zipfile.ZipFile(path) as archive:
        # the tensor's bytes: the largest member
        member = max(archive.infolist(), key=lambda info: info.file_size)
    with open(path, 'rb') as f:
        f.seek(member.header_offset + 26)
        name_len, extra_len = (int.from_bytes(f.read(2), 'little')
                               for _ in range(2))
    return member.filename, member.header_offset + 30 + name_len + extra_len


def zero_stretch(path, offset, length=64):
    with open(path, 'r+b') as f:
        f.seek(offset + 100)
        f.write(bytes(length))


def test_a_zeroed_stretch_of_a_tensor_is_refused(tmp_path):
    path = str(tmp_path / 'iter_1.pth')
    name, data = save_checkpoint(path)
    start = time.perf_counter()
    assert load_checkpoint_file(path)['state_dict']['weight'].shape == (64,
                                                                       64)
    print(f'load with CRC check of a {os.path.getsize(path)} B checkpoint: '
          f'{time.perf_counter() - start:.4f} s')
    zero_stretch(path, data)
    # torch.load itself takes the damaged bytes as weights
    assert torch.load(path, weights_only=True)['state_dict']['weight'].eq(
        0).sum() >= 16
    with pytest.raises(UnreadableCheckpoint) as error:
        load_checkpoint_file(path)
    assert str(error.value) == (
        f'checkpoint {path} is a corrupt zip archive (its member {name} '
        'fails its CRC check: the file was damaged after saving); give the '
        '.pth file a training run saved')


def test_test_py_exits_2_on_a_damaged_checkpoint(tmp_path):
    path = str(tmp_path / 'damaged.pth')
    _, data = save_checkpoint(path)
    zero_stretch(path, data)
    result = subprocess.run(
        [sys.executable, 'tools/test.py',
         os.path.join(TESTS_DIR, 'configs', 'tiny_fcn.py'), path,
         '--work-dir', str(tmp_path / 'work')],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(
            [TESTS_DIR, REPO_ROOT, os.environ.get('PYTHONPATH', '')])))
    assert result.returncode == 2, result.stderr[-2000:]
    assert 'Traceback' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.endswith('fails its CRC check: the file was damaged after '
                         'saving); give the .pth file a training run saved')
