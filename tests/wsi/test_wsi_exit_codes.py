"""Exit codes as the README says: 0 every slide done, 1 partly done, 2
nothing done; the lines naming what is not done come last.

Before, a single missing, unreadable, empty or 72-dpi input exited 1
("partly done") though nothing was done, and with ``--report`` the report's
path line came after the ``FAILED`` lines.
"""
import cv2
import pytest
from fixtures.wsi_runs import infer, last_line
from fixtures.wsi_slides import (FCN_CONFIG, painted_slide, tiny_checkpoint,
                                 write_pyramid)

from mmseg_hsp.cli.infer_wsi import exit_code, print_not_done

PINK = (230, 130, 200)


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    _, checkpoint = tiny_checkpoint(tmp_path_factory.mktemp('model'))
    return FCN_CONFIG, checkpoint


def good_slide(path):
    write_pyramid(path, painted_slide(96, 96, [(16, 16, 48, 48, PINK)]),
                  mpp=1.0, levels=1)


def dpi72_png(path):
    # cv2 writes no pHYs chunk; a TIFF with 72 dpi in centimetres is the
    # case a resolution is recorded and implausible
    write_pyramid(path, painted_slide(64, 64, []), mpp=25400 / 72, levels=1)


@pytest.mark.parametrize('kind', ['missing', 'unreadable', 'empty', '72dpi'])
def test_a_single_input_that_fails_is_nothing_done(tmp_path, model_files,
                                                   kind):
    path = tmp_path / ('x.tif' if kind == '72dpi' else 'x.png')
    if kind == 'unreadable':
        path.write_bytes(b'\x89PNG\r\n\x1a\n' + b'garbage' * 20)
    elif kind == 'empty':
        path.write_bytes(b'')
    elif kind == '72dpi':
        dpi72_png(path)
    line = last_line(infer(model_files, path, tmp_path / 'out'), 2)
    assert line.startswith(f'FAILED {path}: ')


def test_some_done_is_partly_done_and_failed_lines_come_last(tmp_path,
                                                             model_files):
    good_slide(tmp_path / 'a.tif')
    cv2.imwrite(str(tmp_path / 'b.png'), painted_slide(64, 64, []))  # no mpp
    result = infer(model_files, [tmp_path / 'a.tif', tmp_path / 'b.png'],
                   tmp_path / 'out', '--report')
    line = last_line(result, 1)
    assert line.startswith(f'FAILED {tmp_path / "b.png"}: no resolution')
    lines = result.stderr.strip().splitlines()
    assert lines[-2].startswith('infer_wsi: report ')


def test_exit_code_counts_done_slides():
    done, skipped = dict(status='done'), dict(status='skipped')
    failed, busy = dict(status='failed'), dict(status='busy')
    assert exit_code([done, skipped]) == 0
    assert exit_code([done, failed]) == 1
    assert exit_code([skipped, busy]) == 1
    assert exit_code([failed]) == 2
    assert exit_code([busy, failed]) == 2


def test_a_slide_busy_elsewhere_is_named(capsys):
    print_not_done([
        dict(slide='a.svs', status='done'),
        dict(slide='b.svs', status='busy',
             holder=dict(host='node7', pid=12, since='2026-01-01T00:00:00Z')),
        dict(slide='c.svs', status='failed', error='c.svs: no such file'),
    ])
    assert capsys.readouterr().err.splitlines() == [
        'BUSY b.svs: being segmented by pid 12 on node7 since '
        '2026-01-01T00:00:00Z, not done by this run; rerun the same command '
        'when it has finished',
        'FAILED c.svs: no such file',
    ]
