"""A broken checkpoint never yields a clean-looking map: non-finite weights
and scores are refused, a file that is no checkpoint is named for what it
is (in tools/test.py and tools/infer_wsi.py, one line), and --resume passes
over a zero-filled last checkpoint. Every case runs the real tool on real
files."""
import os

import numpy as np
import pytest
import torch
from fixtures.infer_runs import (changed_checkpoint, infer, last_line,
                                 one_slide)
from fixtures.test_runs import random_checkpoint, run_test_tool
from fixtures.wsi_slides import (FCN_CONFIG, ColourModel, painted_slide,
                                 write_pyramid)

from mmseg_hsp.checkpoint_file import (UnreadableCheckpoint,
                                       load_checkpoint_file)
from mmseg_hsp.engine.resume import resume_checkpoint
from mmseg_hsp.datasets import write_synthetic_mtchi
from mmseg_hsp.tiling import Band, NonFiniteScores
from mmseg_hsp.wsi.runner import run_slides
from mmseg_hsp.wsi.segmenter import SlideSegmenter

DEMO_CONFIG = 'configs/hspnet_r18_synthetic_demo.py'


# Non-finite weights and scores.


def nan_weight(weights):
    weights['backbone.layer1.0.conv1.weight'][0, 0, 0, 0] = float('nan')


def test_nan_checkpoint_is_refused_at_load_naming_the_tensor(
        tmp_path, model_files):
    nan = changed_checkpoint(model_files[1], tmp_path, nan_weight)
    slides, out = one_slide(tmp_path)
    line = last_line(infer((FCN_CONFIG, nan), slides, out), 2)
    assert 'weight backbone.layer1.0.conv1.weight holds 1 NaN or infinite' \
        in line and nan in line
    assert not out.exists()


def test_tools_test_refuses_a_nan_checkpoint(tmp_path):
    root = str(tmp_path / 'Task2')
    write_synthetic_mtchi(root, 0, 1, (64, 64))
    checkpoint = str(tmp_path / 'nan.pth')
    random_checkpoint(DEMO_CONFIG, {}, checkpoint)
    weights = torch.load(checkpoint, weights_only=True)
    first = next(iter(weights))
    weights[first].fill_(float('inf'))
    torch.save(weights, checkpoint)
    line = last_line(
        run_test_tool(DEMO_CONFIG, checkpoint, str(tmp_path / 'work'), root),
        2)
    assert line.startswith('test.py: error: NonFiniteCheckpoint:')
    assert f'weight {first} holds {weights[first].numel()} NaN' in line


class NaNModel(ColourModel):
    """Scores NaN where the slide is red: a model that diverged there."""

    def encode_decode(self, inputs, batch_img_metas):
        scores = super().encode_decode(inputs, batch_img_metas)
        return torch.where(scores[:, 4:5] > 0, float('nan'), scores)


def test_non_finite_scores_stop_the_slide_in_one_line(tmp_path):
    rgb = painted_slide(96, 96, [(16, 16, 48, 48, (200, 0, 0))])
    write_pyramid(tmp_path / 's.tif', rgb, mpp=1.0, levels=1)
    segmenter = SlideSegmenter.from_model(
        NaNModel(), blend=dict(tile=64, stride=32, batch_size=4),
        resolution=dict(mpp=1.0), progress=False)
    [result] = run_slides(segmenter, [str(tmp_path / 's.tif')],
                          str(tmp_path / 'out'))
    assert result['status'] == 'failed' and '\n' not in result['error']
    assert result['error'].startswith(f'{tmp_path / "s.tif"}: '
                                      'NonFiniteScores: the model scored '
                                      'pixels NaN or infinite in rows 0-')
    assert os.listdir(tmp_path / 'out') == []


@pytest.mark.parametrize('kind', ['numpy', 'torch'])
def test_band_labels_refuse_non_finite_scores(kind):
    scores = np.zeros((2, 3, 4), np.float32)
    scores[1, 2, 3] = np.inf
    scores = torch.from_numpy(scores) if kind == 'torch' else scores
    covered = np.ones((3, 4), bool)
    band = Band(5, scores, torch.from_numpy(covered)
                if kind == 'torch' else covered)
    with pytest.raises(NonFiniteScores, match='in rows 5-7'):
        band.labels()


# A file that is not a checkpoint.


class Malicious:
    """Pickles as a call of ``os.system`` (what a trojan checkpoint does)."""

    def __reduce__(self):
        return os.system, ('echo pwned',)


def broken_checkpoint(folder, kind):
    path = str(folder / f'{kind}.pth')
    if kind == 'malicious':
        torch.save(dict(state_dict={}, payload=Malicious()), path)
        return path
    torch.save(dict(state_dict={'w': torch.ones(64, 64)}), path)
    data = open(path, 'rb').read()
    content = dict(empty=b'', zeros=bytes(len(data)),
                   text=b'version https://git-lfs.github.com/spec/v1\n',
                   truncated=data[:len(data) // 2])[kind]
    with open(path, 'wb') as f:
        f.write(content)
    return path


BROKEN = {
    'empty': 'is an empty file (0 bytes)',
    'zeros': 'is all zero bytes (what a crash or power cut',
    'text': 'is a text file, starting "version https://git-lfs',
    'truncated': 'is a truncated or corrupt zip archive',
    'malicious': 'asks to load posix.system, which weights-only loading '
                 'refuses',
}


@pytest.mark.parametrize('kind', sorted(BROKEN))
def test_load_checkpoint_file_names_what_the_file_is(tmp_path, kind):
    path = broken_checkpoint(tmp_path, kind)
    with pytest.raises(UnreadableCheckpoint) as error:
        load_checkpoint_file(path)
    assert BROKEN[kind] in str(error.value) and path in str(error.value)
    assert '\n' not in str(error.value)


@pytest.mark.parametrize('kind', sorted(BROKEN))
def test_tools_test_on_a_broken_checkpoint_is_one_line(tmp_path, kind):
    path = broken_checkpoint(tmp_path, kind)
    line = last_line(
        run_test_tool(DEMO_CONFIG, path, str(tmp_path / 'work'),
                      str(tmp_path / 'no-data')), 2)
    assert line.startswith('test.py: error: UnreadableCheckpoint: ')
    assert BROKEN[kind] in line


@pytest.mark.parametrize('kind', ['zeros', 'text'])
def test_infer_wsi_names_what_a_non_checkpoint_is(tmp_path, kind):
    path = broken_checkpoint(tmp_path, kind)
    slides, out = one_slide(tmp_path)
    line = last_line(infer((FCN_CONFIG, path), slides, out), 2)
    assert line.startswith('infer_wsi: cannot set up the model: ')
    assert BROKEN[kind] in line


# A zero-filled last checkpoint.


def test_resume_passes_over_a_zero_filled_last_checkpoint(tmp_path):
    for name in ('iter_2.pth', 'iter_3.pth'):
        torch.save(dict(state_dict={'w': torch.ones(8)}), tmp_path / name)
    last = tmp_path / 'iter_3.pth'
    last.write_bytes(bytes(last.stat().st_size))  # what a power cut leaves
    (tmp_path / 'last_checkpoint').write_text(str(last))
    said = []
    assert resume_checkpoint(str(tmp_path), said.append) == \
        str(tmp_path / 'iter_2.pth')
    assert len(said) == 1 and str(last) in said[0]
    assert 'is all zero bytes (what a crash or power cut' in said[0]
