"""A slide's identity is part of its results: another slide of the same
name, or a rescan under the same path, never gets the first one's outputs.

Before, ``patientA/x.tif`` then ``patientB/x.tif`` into one ``--out-dir``
reported the second ``skipped`` (exit 0) with the first one's label map,
GeoJSON and report row, and a slide rewritten in place was skipped too.
"""
import json
import os
import shutil

import cv2
import numpy as np
import pytest
import tifffile
from fixtures.dicom_slides import write_dicom_slide
from fixtures.wsi_runs import infer, last_line
from fixtures.wsi_slides import (FCN_CONFIG, ColourModel, painted_slide,
                                 tiny_checkpoint, write_pyramid)

from mmseg_hsp.slide_io import collect_slides
from mmseg_hsp.slide_io.fingerprint import slide_fingerprint
from mmseg_hsp.wsi.identity import slide_change
from mmseg_hsp.wsi.runner import run_slides
from mmseg_hsp.wsi.segmenter import OutputsOfAnotherSlide, SlideSegmenter

RED, GREEN = (200, 0, 0), (0, 200, 0)


def segmenter():
    return SlideSegmenter.from_model(
        ColourModel(), blend=dict(tile=64, stride=32, batch_size=4),
        resolution=dict(mpp=1.0), progress=False)


def slide(path, colour):
    path.parent.mkdir(exist_ok=True)
    write_pyramid(path, painted_slide(96, 96, [(16, 16, 48, 48, colour)]),
                  mpp=1.0, levels=1)
    return str(path)


def test_another_slide_of_the_same_name_is_refused_naming_both(tmp_path):
    first = slide(tmp_path / 'patientA' / 'x.tif', RED)
    second = slide(tmp_path / 'patientB' / 'x.tif', GREEN)
    out = str(tmp_path / 'out')
    [done] = run_slides(segmenter(), [first], out)
    labels = tifffile.imread(tmp_path / 'out' / 'x.labels.tif')
    with pytest.raises(OutputsOfAnotherSlide) as error:
        run_slides(segmenter(), [second], out)
    assert str(error.value) == (
        f'{second}: its outputs in {out} (x.*) are of another slide of the '
        f'same name, {first}; run it into another out_dir= (or pass '
        'overwrite=True to replace those results)')
    # nothing touched; --overwrite replaces them with the second slide's
    np.testing.assert_array_equal(
        tifffile.imread(tmp_path / 'out' / 'x.labels.tif'), labels)
    [redone] = run_slides(segmenter(), [second], out, overwrite=True)
    assert redone['status'] == 'done'
    assert redone['slide_identity']['path'] == second
    assert (tifffile.imread(tmp_path / 'out' / 'x.labels.tif') == 2).any()


def test_a_rescan_under_the_same_path_is_redone_saying_so(tmp_path):
    path = slide(tmp_path / 'in' / 'x.tif', RED)
    out = str(tmp_path / 'out')
    assert segmenter().run(path, out)['status'] == 'done'
    assert segmenter().run(path, out)['status'] == 'skipped'
    slide(tmp_path / 'in' / 'x.tif', GREEN)  # rescanned
    said = []
    [result] = run_slides(segmenter(), [path], out, say=said.append)
    assert result['status'] == 'done'
    assert len(said) == 1 and said[0].startswith(
        f'{path}: changed since its outputs in {out} were made (')
    assert said[0].endswith('its sampled bytes differ): a rescan; redoing it')
    labels = tifffile.imread(tmp_path / 'out' / 'x.labels.tif')
    assert (labels == 2).any() and not (labels == 4).any()
    assert segmenter().run(path, out)['status'] == 'skipped'


def test_a_slide_moved_with_the_same_bytes_is_the_same_slide(tmp_path):
    path = slide(tmp_path / 'in' / 'x.tif', RED)
    out = str(tmp_path / 'out')
    assert segmenter().run(path, out)['status'] == 'done'
    moved = tmp_path / 'moved'
    moved.mkdir()
    shutil.copy(path, moved / 'x.tif')  # another path and time, same bytes
    assert segmenter().run(str(moved / 'x.tif'), out)['status'] == 'skipped'


def test_a_summary_recording_no_slide_is_not_reused(tmp_path):
    path = slide(tmp_path / 'in' / 'x.tif', RED)
    out = tmp_path / 'out'
    segmenter().run(path, str(out))
    summary = json.loads((out / 'x.summary.json').read_text())
    del summary['slide_identity']  # as an earlier version wrote it
    (out / 'x.summary.json').write_text(json.dumps(summary))
    with pytest.raises(OutputsOfAnotherSlide,
                       match='are of a slide they do not record'):
        segmenter().run(path, str(out))


def test_two_inputs_of_one_name_in_one_run_are_refused_naming_both(tmp_path):
    first = slide(tmp_path / 'patientA' / 'x.tif', RED)
    second = slide(tmp_path / 'patientB' / 'x.png', GREEN)
    with pytest.raises(ValueError) as error:
        collect_slides([first, second])
    assert str(error.value) == (
        f'{first} and {second} have the same name: their outputs would '
        'collide; rename one or run them into different out_dir=')


def test_fingerprint_sees_header_tail_size_and_every_dicom_file(tmp_path):
    data = bytes(range(256)) * 4096  # 1 MiB
    path = tmp_path / 'x.svs'
    path.write_bytes(data)
    base = slide_fingerprint(str(path))
    assert base['path'] == str(path) and base['bytes'] == len(data)
    assert slide_change(base, base) is None
    stat = os.stat(path)
    for changed in (b'\1' + data[1:], data[:-1] + b'\1', data + b'\0'):
        path.write_bytes(changed)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        kind, what = slide_change(base, slide_fingerprint(str(path)))
        assert kind == 'changed' and 'its sampled bytes differ' in what
    # a DICOM slide is every file of its series
    folder = tmp_path / 'case'
    folder.mkdir()
    files = write_dicom_slide(folder, painted_slide(128, 128, []), levels=2)
    before = slide_fingerprint(str(folder))
    assert before['files'] == 2
    assert slide_fingerprint(files[1]) == dict(before, path=files[1])
    write_dicom_slide(folder, painted_slide(128, 128, [(0, 0, 9, 9, RED)]),
                      levels=2)
    assert slide_change(before, slide_fingerprint(str(folder)))[0] == \
        'changed'


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    _, checkpoint = tiny_checkpoint(tmp_path_factory.mktemp('model'))
    return FCN_CONFIG, checkpoint


def test_the_tool_refuses_another_slide_of_the_same_name(tmp_path,
                                                         model_files):
    for patient, colour in (('patientA', RED), ('patientB', GREEN)):
        (tmp_path / patient).mkdir()
        cv2.imwrite(str(tmp_path / patient / 'x.png'),
                    painted_slide(96, 96, [(16, 16, 48, 48, colour)]))
    out = tmp_path / 'out'
    flags = ('--input-magnification', '10')
    first = infer(model_files, tmp_path / 'patientA' / 'x.png', out, *flags)
    assert first.returncode == 0, first.stderr[-3000:]
    before = (out / 'x.summary.json').read_bytes()
    line = last_line(
        infer(model_files, tmp_path / 'patientB' / 'x.png', out, *flags), 2)
    assert line == (
        f'infer_wsi: error: {tmp_path / "patientB" / "x.png"}: its outputs '
        f'in {out} (x.*) are of another slide of the same name, '
        f'{tmp_path / "patientA" / "x.png"}; run it into another --out-dir '
        '(or pass --overwrite to replace those results)')
    assert (out / 'x.summary.json').read_bytes() == before
