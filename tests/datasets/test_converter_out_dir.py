"""The MTCHI converter never writes over, or deletes, its own inputs."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import REPO_ROOT
from fixtures.folder_digest import folder_digest

from mmseg_hsp.datasets.mtchi_patches import (MARKER, OutDirRefused,
                                              convert_regions)

FLAGS = ['--patch-size', '16', '--stride', '8', '--no-progress']


def write_task2(root):
    """A Task 2 folder: two regions in Training, one in Test."""
    rng = np.random.default_rng(0)
    for split, names in (('Training', ('T0', 'T1')), ('Test', ('V0', ))):
        for sub in ('Img', 'Truth'):
            (root / split / sub).mkdir(parents=True)
        for name in names:
            mask = np.zeros((32, 32), np.uint8)
            mask[4:28, 4:28] = 2
            cv2.imwrite(str(root / split / 'Img' / f'{name}.png'),
                        rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
            cv2.imwrite(str(root / split / 'Truth' / f'Mask_{name}.png'),
                        mask)


def run(*args):
    return subprocess.run(
        [sys.executable, 'tools/dataset_converters/mtchi.py', *args, *FLAGS],
        cwd=REPO_ROOT, capture_output=True, text=True)


@pytest.mark.parametrize('out_dir, relation, folder', [
    ('.', 'is', ''), ('Training', 'is', 'Training'),
    ('Training/Img/x', 'lies in', 'Training'), ('..', 'holds', '')])
def test_out_dir_over_an_input_is_refused_even_with_overwrite(
        tmp_path, out_dir, relation, folder):
    root = tmp_path / 'Task2'
    write_task2(root)
    before = folder_digest(root)
    done = run(str(root), '--out-dir', out_dir, '--overwrite')
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]  # after argparse's usage
    out = os.path.normpath(root / out_dir)
    assert last.startswith(f'mtchi.py: error: --out-dir {out} '
                           f'{relation} the input folder '
                           f'{root / folder if folder else root}:')
    assert last.endswith('choose another --out-dir')
    assert folder_digest(root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ['Task2']


def test_overwrite_removes_only_a_folder_the_converter_wrote(tmp_path):
    root = tmp_path / 'Task2'
    write_task2(root)
    data = tmp_path / 'Task2' / 'mine'
    data.mkdir()
    (data / 'notes.txt').write_text('not the converter\'s')
    done = run(str(root), '--out-dir', 'mine', '--overwrite')
    assert done.returncode == 2
    assert f'--out-dir {data} exists and was not written by the converter ' \
        f'(no {MARKER} in it), so even --overwrite leaves it alone' \
        in done.stderr
    assert (data / 'notes.txt').read_text() == 'not the converter\'s'

    assert run(str(root)).returncode == 0
    patches = root / 'TrainingPatches'
    marker = json.loads((patches / MARKER).read_text())
    assert len(marker['files']) == 2 * len(list((patches / 'Img').iterdir()))
    assert 'Img/T0_00000_00000.png' in marker['files']
    refused = run(str(root))
    assert refused.returncode == 2
    assert 'holds patches written before; pass --overwrite' in refused.stderr
    assert run(str(root), '--overwrite').returncode == 0
    # a file the user put there since is not the converter's to delete
    (patches / 'Img' / 'keep.png').write_bytes(b'x')
    refused = run(str(root), '--overwrite')
    assert refused.returncode == 2
    assert 'holds 1 file(s) the converter did not write (Img/keep.png)' \
        in refused.stderr
    assert (patches / 'Img' / 'keep.png').read_bytes() == b'x'


def test_slide_folders_are_inputs(tmp_path):
    (tmp_path / 'slides').mkdir()
    (tmp_path / 'masks').mkdir()
    (tmp_path / 'slides' / 's.png').write_bytes(b'')
    before = folder_digest(tmp_path)
    for out_dir in (str(tmp_path / 'slides'), str(tmp_path / 'masks' / 'p')):
        done = run(str(tmp_path / 'root'), '--slides',
                   str(tmp_path / 'slides'), '--slide-masks',
                   str(tmp_path / 'masks'), '--out-dir', out_dir,
                   '--overwrite')
        assert done.returncode == 2
        assert 'choose another --out-dir' in done.stderr
    assert folder_digest(tmp_path) == before


def test_the_api_refuses_a_folder_it_did_not_write(tmp_path):
    write_task2(tmp_path)
    with pytest.raises(OutDirRefused, match='was not written by'):
        convert_regions(str(tmp_path / 'Training'), str(tmp_path / 'Test'),
                        patch_size=16, stride=8, overwrite=True,
                        progress=False)
    assert len(list((tmp_path / 'Test' / 'Img').iterdir())) == 1
