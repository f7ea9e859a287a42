"""Issue 11, cases 3, 4 and 7 (Ctrl-C): interrupted slide runs recover.

A real ``tools/infer_wsi.py`` process is stopped at the worst moment: a
driver runs the tool with one step replaced by a pause that first touches a
marker file, and the test sends SIGKILL (or SIGINT) once the marker exists.

Case 3: killed just after the new label TIFF replaced the old one, an
``--overwrite`` run left the old GeoJSON, overlay and summary beside it, and
the next run reported the slide ``skipped``. Case 4: the ``.labels-*``
folders and ``.NAME.partial-*`` files of killed runs were never removed.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tifffile
from fixtures.wsi_slides import (FCN_CONFIG, TINY_FCN_OPTIONS, painted_slide,
                                 tiny_checkpoint, write_pyramid)

from conftest import REPO_ROOT, default_sigint

INFER_WSI = os.path.join(REPO_ROOT, 'tools', 'infer_wsi.py')
FLAGS = ['--tile', '64', '--stride', '32', '--batch-size', '16',
         '--no-progress', '--cfg-options'
         ] + [f'{key}={value}' for key, value in TINY_FCN_OPTIONS.items()]
# Runs tools/infer_wsi.py with one step replaced by a pause (see above).
DRIVER = '''
import runpy, sys, time
import mmseg_hsp.wsi.outputs.geojson as geojson
from mmseg_hsp.wsi.writers import LabelPyramid
marker, where, tool = sys.argv[1:4]


def pause(*args, **kwargs):
    open(marker, 'w').close()
    time.sleep(300)


if where == 'geojson':  # the new label TIFF is in place, nothing else yet
    geojson.write_geojson = pause
else:  # the label pyramid is on disk, the TIFF file open
    tiles = LabelPyramid.tiles

    def paused_tiles(self, k):
        pause()
        yield from tiles(self, k)

    LabelPyramid.tiles = paused_tiles
sys.argv = sys.argv[3:]
runpy.run_path(tool, run_name='__main__')
'''


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    _, checkpoint = tiny_checkpoint(tmp_path_factory.mktemp('model'))
    return FCN_CONFIG, checkpoint


def env():
    return dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO_ROOT)


def write_slide(path, lesion):
    rgb = painted_slide(256, 320, [(32, 32, 128, 160, (230, 130, 200)),
                                   (*lesion, 64, 64, (200, 0, 0))])
    write_pyramid(path, rgb, mpp=0.25, levels=2)


def one_slide(tmp_path):
    """A folder with slide ``s.tif``, and the output folder's path."""
    slides = tmp_path / 'in'
    slides.mkdir()
    write_slide(slides / 's.tif', lesion=(64, 64))
    return slides, tmp_path / 'out'


def infer(model_files, slides, out, *extra):
    return subprocess.run(
        [sys.executable, INFER_WSI, *model_files, str(slides), '--out-dir',
         str(out), *FLAGS, *extra],
        capture_output=True, text=True, cwd=REPO_ROOT, env=env(),
        timeout=300)


def stopped_run(tmp_path, model_files, slides, out, where, sig, *extra):
    """Start the tool and stop it with ``sig`` at ``where``."""
    marker = tmp_path / f'paused-{where}'
    process = subprocess.Popen(
        [sys.executable, '-c', DRIVER, str(marker), where, INFER_WSI,
         *model_files, str(slides), '--out-dir', str(out), *FLAGS, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=REPO_ROOT, env=env(), preexec_fn=default_sigint)
    deadline = time.time() + 240
    while not marker.exists():
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            raise AssertionError('the run did not reach the pause: ' +
                                 process.communicate()[1][-3000:])
        time.sleep(0.05)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode,
                                       stdout, stderr)


def hidden(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith('.'))


def test_killed_overwrite_is_not_taken_as_done(tmp_path, model_files):
    slides, out = one_slide(tmp_path)
    assert infer(model_files, slides, out).returncode == 0
    old_tiff = (out / 's.labels.tif').read_bytes()
    # the slide is rescanned: the lesion moved; redo it, and kill -9 the
    # run right after its new label TIFF replaced the old one
    write_slide(slides / 's.tif', lesion=(160, 200))
    killed = stopped_run(tmp_path, model_files, slides, out, 'geojson',
                         signal.SIGKILL, '--overwrite')
    assert killed.returncode == -signal.SIGKILL
    assert (out / 's.labels.tif').read_bytes() != old_tiff
    # the old summary no longer says the slide is done ...
    assert not (out / 's.summary.json').exists()
    # ... so a plain rerun redoes it and every output agrees again
    again = infer(model_files, slides, out)
    assert again.returncode == 0, again.stderr
    assert 'skipped' not in again.stderr and 'done' in again.stderr
    with open(out / 's.summary.json') as f:
        summary = json.load(f)
    counts = np.bincount(tifffile.imread(out / 's.labels.tif').ravel(),
                         minlength=5)
    assert [a['pixels'] for a in summary['areas'].values()] == \
        counts[:5].tolist()
    assert hidden(out) == []


def test_done_slide_whose_outputs_changed_is_redone(tmp_path, model_files):
    slides, out = one_slide(tmp_path)
    assert infer(model_files, slides, out).returncode == 0
    # an output replaced behind the summary's back (e.g. copied from
    # another run) no longer matches what the summary records
    (out / 's.geojson').write_text('{"type": "FeatureCollection", '
                                   '"features": []}')
    again = infer(model_files, slides, out)
    assert again.returncode == 0
    assert 'skipped' not in again.stderr
    assert (out / 's.geojson').stat().st_size > 60


def test_rerun_removes_what_killed_runs_left_and_only_that(
        tmp_path, model_files):
    slides, out = one_slide(tmp_path)
    killed = stopped_run(tmp_path, model_files, slides, out, 'tiff',
                         signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    left = hidden(out)
    assert any(name.startswith('.labels-') for name in left), left
    assert any(name.startswith('.s.labels.partial-') for name in left), left
    # temporaries of a live process and of another host are not touched
    host = socket.gethostname()
    live = f'.t.labels.partial-{host}-{os.getpid()}.tif'
    remote = '.u.labels.partial-other-host-1.tif'
    for name in (live, remote):
        (out / name).write_bytes(b'in progress')
    again = infer(model_files, slides, out)
    assert again.returncode == 0, again.stderr
    assert hidden(out) == sorted([live, remote])
    assert (out / 's.summary.json').is_file()


def test_ctrl_c_exits_130_in_one_line_without_temporaries(
        tmp_path, model_files):
    slides, out = one_slide(tmp_path)
    interrupted = stopped_run(tmp_path, model_files, slides, out, 'tiff',
                              signal.SIGINT)
    assert interrupted.returncode == 130
    stderr = interrupted.stderr
    assert 'Traceback' not in stderr, stderr
    last = stderr.strip().splitlines()[-1]
    assert 'interrupted' in last and 's.tif' in last
    assert hidden(out) == [] and not (out / 's.summary.json').exists()
