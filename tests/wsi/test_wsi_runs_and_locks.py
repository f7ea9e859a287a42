"""A broken run never leaves its mess and runs share a folder safely:
SIGTERM removes temporaries, a read-only --out-dir is refused before any
slide, one process per slide (locks, ranks of the world), broken folder
entries fail one line each, and --out-dir may be the input folder. Every
case runs the real tool on real files."""
import ctypes
import os
import signal
import socket
import subprocess
import sys

import pytest
from fixtures.dicom_slides import write_dicom_slide
from fixtures.infer_runs import (FLAGS, INFER_WSI, env, hidden, infer,
                                 last_line, one_slide, stopped_run)
from fixtures.wsi_slides import ColourModel, painted_slide, write_pyramid

from conftest import REPO_ROOT
from mmseg_hsp.slide_io import collect_slides
from mmseg_hsp.wsi.lock import slide_lock
from mmseg_hsp.wsi.runner import collect_inputs, run_slides
from mmseg_hsp.wsi.segmenter import SlideSegmenter

# prctl's option and the capabilities that let root ignore permission bits.
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


# SIGTERM and a read-only --out-dir.


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


# One process per slide, ranks of the world, what a folder holds.


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


# --out-dir is the input folder.


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
