"""The one atomic writer and the one image writer."""
import os

import cv2
import numpy as np
import pytest

from mmseg_hsp.fileio import (atomic_folder, atomic_output, write_json,
                              write_png, write_text)


def test_atomic_output_replaces_a_folder_and_leaves_nothing_on_error(
        tmp_path):
    target = tmp_path / 'out'
    target.mkdir()
    (target / 'old.txt').write_text('old')
    with atomic_output(str(target)) as partial:
        assert os.path.dirname(partial) == str(tmp_path)
        os.makedirs(partial)
        (tmp_path / os.path.basename(partial) / 'new.txt').write_text('new')
        assert (target / 'old.txt').exists()
    assert sorted(p.name for p in target.iterdir()) == ['new.txt']
    with pytest.raises(RuntimeError):
        with atomic_output(str(target)) as partial:
            os.makedirs(partial)
            raise RuntimeError('interrupted')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['out']
    assert sorted(p.name for p in target.iterdir()) == ['new.txt']


def test_atomic_folder_refuses_an_existing_folder_before_any_work(tmp_path):
    target = tmp_path / 'set'
    with atomic_folder(str(target), overwrite=False) as partial:
        assert os.listdir(partial) == []
        write_text(os.path.join(partial, 'a.txt'), 'a')
    with pytest.raises(FileExistsError, match='set: exists; pass --overwrite'):
        with atomic_folder(str(target), overwrite=False):
            raise AssertionError('not reached')
    with atomic_folder(str(target), overwrite=True) as partial:
        write_text(os.path.join(partial, 'b.txt'), 'b')
    assert sorted(p.name for p in target.iterdir()) == ['b.txt']


def test_write_png_takes_rgb_and_matches_opencv_bytes(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (5, 7, 3), np.uint8)
    write_png(str(tmp_path / 'rgb.png'), rgb)
    bgr = cv2.imread(str(tmp_path / 'rgb.png'))
    assert (bgr == rgb[..., ::-1]).all()
    # Byte for byte what cv2.imwrite writes from the BGR image.
    cv2.imwrite(str(tmp_path / 'cv2.png'), rgb[..., ::-1])
    assert (tmp_path / 'rgb.png').read_bytes() == (tmp_path /
                                                   'cv2.png').read_bytes()
    labels = np.arange(35, dtype=np.uint8).reshape(5, 7) % 5
    write_png(str(tmp_path / 'labels.png'), labels, fsync=False)
    read = cv2.imread(str(tmp_path / 'labels.png'), cv2.IMREAD_UNCHANGED)
    assert read.tolist() == labels.tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'cv2.png', 'labels.png', 'rgb.png'
    ]


def test_write_json_and_text(tmp_path):
    write_json(str(tmp_path / 'a.json'), {'x': [1, 2]})
    assert (tmp_path / 'a.json').read_text() == '{\n "x": [\n  1,\n  2\n ]\n}'
    write_text(str(tmp_path / 'a.csv'), 'a,b\r\n')
    assert (tmp_path / 'a.csv').read_bytes() == b'a,b\r\n'
