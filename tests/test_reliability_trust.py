"""Issue 21: a changed model never reuses old results, a broken model never
yields a clean-looking map, and a broken run never leaves its mess.

Cases 1 (a rerun with other settings kept the first run's results), 2 (NaN
weights gave an all-background map, exit 0), 3 (``tools/test.py`` on a
file that is no checkpoint: a traceback), 5 (a zero-filled last checkpoint
passed as complete) and the first part of 8 (SIGTERM left temporaries, a
read-only ``--out-dir`` failed slide by slide, cryptic messages for
non-checkpoints, an IHC image taken as the H&E stain reference). Every
case runs the real tool on real files.
"""
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from fixtures.wsi_slides import (FCN_CONFIG, TINY_FCN_OPTIONS, ColourModel,
                                 painted_slide, tiny_checkpoint,
                                 write_pyramid)
from test_reliability_interrupt import (FLAGS, INFER_WSI, env, hidden, infer,
                                        one_slide, stopped_run)
from test_stain_normalization import REFERENCE_VECTORS, concentrations, stained

from conftest import REPO_ROOT
from mmseg_hsp.checkpoint_file import UnreadableCheckpoint, load_checkpoint_file
from mmseg_hsp.cli.resume import resume_checkpoint
from mmseg_hsp.datasets import write_synthetic_mtchi
from mmseg_hsp.slide_io import collect_slides
from mmseg_hsp.stain import DEFAULT_REFERENCE, StainReferenceError
from mmseg_hsp.tiling import Band, NonFiniteScores
from mmseg_hsp.wsi import SlideStain
from mmseg_hsp.wsi.identity import identity_differences
from mmseg_hsp.wsi.lock import slide_lock
from mmseg_hsp.wsi.runner import collect_inputs, run_slides
from mmseg_hsp.wsi.segmenter import OutputsOfOtherSettings, SlideSegmenter

DEMO_CONFIG = 'configs/hspnet_r18_synthetic_demo.py'
# prctl's option and the capabilities that let root ignore permission bits.
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2
# Ruifrok & Johnston's DAB (brown) vector: an IHC slide is H + DAB.
DAB = [0.27, 0.57, 0.78]


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    _, checkpoint = tiny_checkpoint(tmp_path_factory.mktemp('model'))
    return FCN_CONFIG, checkpoint


def last_line(result, code):
    assert result.returncode == code, result.stderr[-3000:]
    assert 'Traceback' not in result.stderr, result.stderr[-3000:]
    return result.stderr.strip().splitlines()[-1]


def changed_checkpoint(source, folder, change):
    """A copy of the tiny checkpoint with ``change(state_dict)`` applied."""
    checkpoint = torch.load(source, weights_only=True)
    change(checkpoint['state_dict'])
    path = os.path.join(str(folder), 'changed.pth')
    torch.save(checkpoint, path)
    return path


def outputs(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# Case 1: other settings never reuse finished results.


def test_rerun_with_other_settings_is_refused_naming_what_differs(
        tmp_path, model_files):
    slides, out = one_slide(tmp_path)
    assert infer(model_files, slides, out).returncode == 0
    identity = json.loads((out / 's.summary.json').read_text())['identity']
    assert identity['blend']['mode'] == 'gauss'
    assert len(identity['weights']) == 64 and len(identity['config']) == 64
    first = outputs(out)
    refused = infer(model_files, slides, out, '--mode', 'mean')
    line = last_line(refused, 2)
    assert line.startswith('infer_wsi: error: ') and 's.tif' in line
    assert 'blend.mode "gauss" then, "mean" now' in line
    assert '--overwrite' in line
    # the same config with other weights (one value moved by 1e-3)
    other = changed_checkpoint(
        model_files[1], tmp_path,
        lambda weights: weights['decode_head.conv_seg.bias'].add_(1e-3))
    line = last_line(infer((FCN_CONFIG, other), slides, out), 2)
    assert f'weights {identity["weights"][:12]} then' in line
    assert outputs(out) == first  # nothing was touched
    # --overwrite redoes it, and the new settings are recorded
    redo = infer(model_files, slides, out, '--mode', 'mean', '--overwrite')
    assert redo.returncode == 0, redo.stderr[-3000:]
    summary = json.loads((out / 's.summary.json').read_text())
    assert summary['identity']['blend']['mode'] == 'mean'
    again = infer(model_files, slides, out, '--mode', 'mean')
    assert again.returncode == 0 and 'skipped' in again.stderr


def test_every_setting_that_changes_outputs_is_compared(tmp_path):
    rgb = painted_slide(96, 96, [(16, 16, 48, 48, (200, 0, 0))])
    write_pyramid(tmp_path / 's.tif', rgb, mpp=1.0, levels=1)
    slide, out = str(tmp_path / 's.tif'), str(tmp_path / 'out')

    def segmenter(**changes):
        settings = dict(blend=dict(tile=64, stride=32, batch_size=4),
                        resolution=dict(mpp=1.0), progress=False)
        settings.update(changes)
        return SlideSegmenter.from_model(ColourModel(), **settings)

    assert segmenter().run(slide, out)['status'] == 'done'
    assert segmenter().run(slide, out)['status'] == 'skipped'
    for changes, named in [
        (dict(resolution=dict(mpp=2.0)), 'resolution.mpp 1.0 then, 2.0 now'),
        (dict(scores='logits'), 'scores "softmax" then, "logits" now'),
        (dict(outputs=dict(tissue_mask=False)),
         'outputs.tissue_mask true then, false now'),
        (dict(stain=SlideStain()), 'stain.reference.hematoxylin unset then, [0.5626'),
    ]:
        with pytest.raises(OutputsOfOtherSettings) as error:
            segmenter(**changes).run(slide, out)
        assert named in str(error.value) and '\n' not in str(error.value)
    # a summary of an earlier version records no identity: not reused
    summary_path = tmp_path / 'out' / 's.summary.json'
    summary = json.loads(summary_path.read_text())
    del summary['identity']
    summary_path.write_text(json.dumps(summary))
    with pytest.raises(OutputsOfOtherSettings, match='none recorded then'):
        segmenter().run(slide, out)


def test_identity_differences_name_each_setting():
    then = dict(weights='a' * 64, blend=dict(mode='gauss', tile=[400, 400]))
    now = dict(weights='b' * 64, blend=dict(mode='gauss', tile=(400, 400)))
    assert identity_differences(then, now) == [
        f'weights {"a" * 12} then, {"b" * 12} now'
    ]
    assert identity_differences(then, then) == []
    assert identity_differences(None, now) == ['settings (none recorded then)']


# Case 2: non-finite weights and scores.


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
    from fixtures.test_runs import random_checkpoint, run_test_tool
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


# Case 3 (and 8): a file that is not a checkpoint.


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
    from fixtures.test_runs import run_test_tool
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


# Case 5: a zero-filled last checkpoint.


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


# Case 8: SIGTERM, a read-only --out-dir, an IHC stain reference.


def test_sigterm_removes_temporaries_and_exits_143(tmp_path, model_files):
    slides, out = one_slide(tmp_path)
    stopped = stopped_run(tmp_path, model_files, slides, out, 'tiff',
                          signal.SIGTERM)
    line = last_line(stopped, 143)
    assert line.startswith('infer_wsi: terminated (SIGTERM) during ')
    assert 's.tif' in line
    assert hidden(out) == [] and not (out / 's.summary.json').exists()


def without_dac_override():
    """``preexec_fn`` taking root's power to ignore permission bits.

    Root writes into a mode 0555 folder regardless: the tool runs without
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (dropped from the bounding
    set, so the executed python never gains them), as any other user.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), 'prctl(PR_CAPBSET_DROP)')


def test_read_only_out_dir_is_refused_before_any_slide(tmp_path,
                                                       model_files):
    slides = tmp_path / 'in'
    slides.mkdir()
    for name in ('a.tif', 'b.tif'):
        write_pyramid(slides / name, painted_slide(64, 64, []), levels=1)
    out = tmp_path / 'out'
    out.mkdir()
    out.chmod(0o555)
    result = subprocess.run(
        [sys.executable, INFER_WSI, *model_files, str(slides), '--out-dir',
         str(out), *FLAGS], capture_output=True, text=True, cwd=REPO_ROOT,
        env=env(), timeout=300,
        preexec_fn=without_dac_override if os.geteuid() == 0 else None)
    line = last_line(result, 2)
    assert line == (f'infer_wsi: error: --out-dir {out}: cannot write there '
                    '(Permission denied); choose a folder you can write to')
    assert 'FAILED' not in result.stderr


def test_ihc_image_is_refused_as_the_h_and_e_reference(tmp_path):
    hema, second = concentrations()
    ihc = stained((REFERENCE_VECTORS[0], DAB), hema, second)
    h_and_e = stained(REFERENCE_VECTORS, hema, second)
    cv2.imwrite(str(tmp_path / 'ihc.png'), ihc[..., ::-1])
    cv2.imwrite(str(tmp_path / 'he.png'), h_and_e[..., ::-1])
    assert SlideStain(str(tmp_path / 'he.png')).reference['eosin'][1] > 0.9
    with pytest.raises(StainReferenceError) as error:
        SlideStain(str(tmp_path / 'ihc.png'))
    message = str(error.value)
    # Macenko's estimate of the DAB vector, within 0.02
    assert re.match(
        rf'stain reference {re.escape(str(tmp_path))}/ihc.png: its second '
        r'stain \[0.2[5-9], 0.5[5-9], 0.(7[6-9]|80)\] absorbs blue most, as '
        'DAB', message), message
    assert message.endswith('give an H&E-stained reference')


# Case 7: one process per slide, ranks of the world.


def test_slide_held_by_a_live_process_is_left_to_it(tmp_path):
    rgb = painted_slide(96, 96, [(16, 16, 48, 48, (200, 0, 0))])
    write_pyramid(tmp_path / 's.tif', rgb, mpp=1.0, levels=1)
    slide, out = str(tmp_path / 's.tif'), tmp_path / 'out'
    out.mkdir()
    model = ColourModel()
    segmenter = SlideSegmenter.from_model(
        model, blend=dict(tile=64, stride=32, batch_size=4),
        resolution=dict(mpp=1.0), progress=False)
    with slide_lock(str(out / '.s.lock')) as ours:
        assert ours
        busy = segmenter.run(slide, str(out))
        assert busy == dict(slide=slide, status='busy', holder=dict(
            busy['holder'], host=socket.gethostname(), pid=os.getpid()))
    assert model.calls == 0
    # a lock file a killed process left (its lock died with it) is taken
    (out / '.s.lock').write_text(f'{socket.gethostname()}-999999999')
    assert segmenter.run(slide, str(out))['status'] == 'done'
    assert model.calls > 0 and hidden(out) == []


def test_two_runs_on_the_same_folder_split_the_slides(tmp_path, model_files):
    slides = tmp_path / 'in'
    slides.mkdir()
    names = ['s1.tif', 's2.tif', 's3.tif', 's4.tif']
    for name in names:
        write_pyramid(slides / name,
                      painted_slide(256, 320,
                                    [(32, 32, 128, 160, (230, 130, 200))]),
                      mpp=0.25, levels=2)
    out = tmp_path / 'out'
    runs = [
        subprocess.Popen([sys.executable, INFER_WSI, *model_files,
                          str(slides), '--out-dir', str(out), *FLAGS],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=REPO_ROOT, env=env())
        for _ in range(2)
    ]
    results = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    stderr = ''.join(err for _, err in results)
    # each slide was segmented once, by one of the two
    assert stderr.count(' done ') == len(names), stderr
    assert len(list(out.glob('*.summary.json'))) == len(names)
    assert hidden(out) == []


@pytest.mark.parametrize('rank, world', [('5', '2'), ('0', '0'), ('x', '2')])
def test_rank_outside_the_world_is_an_error(tmp_path, rank, world):
    slides, out = one_slide(tmp_path)
    result = subprocess.run(
        [sys.executable, INFER_WSI, 'config.py', 'model.pth', str(slides),
         '--out-dir', str(out)], capture_output=True, text=True,
        cwd=REPO_ROOT, timeout=300,
        env=dict(env(), RANK=rank, WORLD_SIZE=world))
    line = last_line(result, 2)
    assert line.startswith('infer_wsi: error: ') and 'WORLD_SIZE' in line
    assert not out.exists()


def test_one_slide_per_dicom_series_however_its_files_are_named(tmp_path):
    from fixtures.dicom_slides import write_dicom_slide
    folder = tmp_path / 'case-17'
    folder.mkdir()
    files = write_dicom_slide(folder, painted_slide(128, 128, []), levels=2)
    assert collect_slides(files) == [str(folder)]
    assert collect_slides([files[1], str(folder)]) == [str(folder)]


def test_broken_entries_of_a_folder_fail_in_one_line_each(tmp_path):
    folder = tmp_path / 'in'
    folder.mkdir()
    write_pyramid(folder / 'a.tif', painted_slide(64, 64, []), mpp=1.0,
                  levels=1)
    os.symlink(tmp_path / 'gone.svs', folder / 'b.svs')  # dangling
    os.symlink(folder / 'c.svs', folder / 'c.svs')  # a loop
    (folder / 'd.svs').mkdir()  # a folder named as a slide
    slides = collect_slides([str(folder)])
    assert [os.path.basename(s) for s in slides] == [
        'a.tif', 'b.svs', 'c.svs', 'd.svs'
    ]
    results = run_slides(
        SlideSegmenter.from_model(ColourModel(),
                                  blend=dict(tile=64, stride=32),
                                  resolution=dict(mpp=1.0), progress=False),
        slides, str(tmp_path / 'out'))
    assert [r['status'] for r in results] == ['done'] + ['failed'] * 3
    assert [r['error'] for r in results[1:]] == [
        f'{folder / "b.svs"}: a symbolic link to {tmp_path / "gone.svs"}, '
        'which does not exist; fix or remove the link',
        f'{folder / "c.svs"}: a symbolic link loop',
        f'{folder / "d.svs"}: a folder, but no DICOM (.dcm) slide',
    ]


# Case 4: --out-dir is the input folder.


def test_out_dir_equal_to_the_input_folder_never_eats_its_outputs(
        tmp_path, model_files):
    slides, _ = one_slide(tmp_path)
    first = infer(model_files, slides, slides)
    assert first.returncode == 0, first.stderr[-3000:]
    again = infer(model_files, slides, slides)
    line = [l for l in again.stderr.splitlines() if 'left out' in l]
    assert line == [
        f'infer_wsi: {slides}: left out 3 files named as outputs '
        '(.labels.tif, .overlay.png, .confidence.tif, .seg.dcm): '
        's.confidence.tif, s.labels.tif, s.overlay.png; rename them to run '
        'them as slides'
    ]
    assert again.returncode == 0 and 'skipped' in again.stderr
    assert sorted(p.name for p in slides.glob('*.summary.json')) == [
        's.summary.json'
    ]


def test_hidden_and_output_files_are_left_out_of_folders_and_said(tmp_path):
    for name in ('s.tif', 's.labels.tif', 's.overlay.png', 's.confidence.tif',
                 '.s.labels.partial-host-1.tif', '._t.svs'):
        (tmp_path / name).write_bytes(b'')
    said = []
    assert collect_inputs([str(tmp_path)], said.append) == [
        str(tmp_path / 's.tif')
    ]
    assert said == [
        f'{tmp_path}: left out 2 hidden files: '
        '._t.svs, .s.labels.partial-host-1.tif; rename them to run them '
        'as slides',
        f'{tmp_path}: left out 3 files named as outputs (.labels.tif, '
        '.overlay.png, .confidence.tif, .seg.dcm): s.confidence.tif, '
        's.labels.tif, s.overlay.png; rename them to run them as slides',
    ]
    # named one by one, a file is what was asked for
    assert collect_inputs([str(tmp_path / 's.labels.tif')]) == [
        str(tmp_path / 's.labels.tif')
    ]


# Case 6: the converter's numbers.


@pytest.mark.parametrize('flags, message', [
    (['--patch-size', '0'], 'argument --patch-size: must be > 0, got 0'),
    (['--scale', '0'], 'argument --scale: must be > 0, got 0'),
    (['--stride', '0'], 'argument --stride: must be > 0, got 0'),
    (['--stride', '-1'], 'argument --stride: must be > 0, got -1'),
    (['--min-annotated', 'nan'],
     'argument --min-annotated: must be a finite number, got nan'),
    (['--min-annotated', '-1'],
     'argument --min-annotated: must be between 0 and 1, got -1'),
    (['--folds', '0'], 'argument --folds: must be >= 2, got 0'),
    (['--magnification', '0'], 'argument --magnification: must be > 0, '
     'got 0'),
])
def test_converter_refuses_impossible_numbers(capsys, flags, message):
    from mmseg_hsp.cli.convert_mtchi import parse_args
    with pytest.raises(SystemExit) as stop:
        parse_args(['data/Task2', *flags])
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        f'error: {message}')


# Case 9: slides run as the config evaluates (stain, precision).


def stain_norm_config(folder):
    config = folder / 'fcn_stain-norm.py'
    config.write_text(
        f'_base_ = [{FCN_CONFIG!r}]\n'
        'test_dataloader = dict(dataset=dict(pipeline=[\n'
        "    dict(type='LoadImageFromFile'), dict(type='StainNormalize'),\n"
        "    dict(type='PackSegInputs')]))\n")
    return str(config)


def test_slides_are_normalised_as_the_config_evaluates(tmp_path,
                                                       model_files):
    from mmseg_hsp.apis import init_slide_segmenter
    from test_wsi_stain import stained_slide
    write_pyramid(tmp_path / 's.tif', stained_slide(), mpp=1.0, levels=2)
    settings = dict(cfg_options=TINY_FCN_OPTIONS,
                    blend=dict(tile=64, stride=32, batch_size=16),
                    resolution=dict(input_magnification=10),
                    progress=False)
    config = stain_norm_config(tmp_path)
    segmenter = init_slide_segmenter(config, model_files[1], 'cpu',
                                     **settings)
    summary = segmenter.run(str(tmp_path / 's.tif'), str(tmp_path / 'out'))
    assert summary['stain']['reference_from'] == \
        "the config's test pipeline: default"
    assert summary['stain']['params']['method'] == 'macenko'
    assert summary['identity']['stain']['reference'] == DEFAULT_REFERENCE
    # explicitly off; a config without StainNormalize normalises nothing
    assert init_slide_segmenter(config, model_files[1], 'cpu', stain=None,
                                **settings).stain is None
    assert init_slide_segmenter(FCN_CONFIG, model_files[1], 'cpu',
                                **settings).stain is None


def test_slides_run_in_the_precision_of_test_cfg_amp(tmp_path, model_files):
    from mmseg_hsp.apis import init_slide_segmenter
    rgb = painted_slide(96, 96, [(16, 16, 48, 48, (200, 0, 0))])
    write_pyramid(tmp_path / 's.tif', rgb, mpp=1.0, levels=1)
    segmenter = init_slide_segmenter(
        FCN_CONFIG, model_files[1], 'cpu',
        cfg_options={**TINY_FCN_OPTIONS, 'model.test_cfg.amp': 'bf16'},
        blend=dict(tile=64, stride=32), resolution=dict(mpp=1.0),
        progress=False)
    summary = segmenter.run(str(tmp_path / 's.tif'), str(tmp_path / 'out'))
    assert summary['precision']['dtype'] == 'bf16'
    assert summary['identity']['precision'] == 'bf16'
