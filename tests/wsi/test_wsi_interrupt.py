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

import numpy as np
import tifffile
from fixtures.infer_runs import (hidden, infer, one_slide, stopped_run,
                                 write_slide)


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
