"""tools/infer_wsi.py: many slides, a broken one, torchrun sharing."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from fixtures.dicom_slides import write_dicom_slide
from fixtures.infer_runs import FLAGS, INFER_WSI
from fixtures.wsi_slides import painted_slide, write_pyramid

from conftest import REPO_ROOT

from mmseg_hsp.slide_io import collect_slides
from mmseg_hsp.wsi.runner import rank_share

def slides(folder, names):
    folder.mkdir(exist_ok=True)
    rgb = painted_slide(256, 320, [(32, 32, 128, 160, (230, 130, 200))])
    for name in names:
        write_pyramid(folder / name, rgb, mpp=0.25, levels=2)
    return folder


def infer(*args, launcher=()):
    env = dict(os.environ, OMP_NUM_THREADS='1')  # the machine is shared
    return subprocess.run(
        [*launcher, INFER_WSI, *args, *FLAGS]
        if launcher else
        [sys.executable, INFER_WSI, *args, *FLAGS],
        capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=300)


def test_broken_slide_is_reported_and_others_still_run(tmp_path, model_files):
    folder = slides(tmp_path / 'in', ['a.tif', 'c.tif'])
    (folder / 'b.svs').write_bytes(b'not a slide at all')
    out = tmp_path / 'out'
    result = infer(*model_files, str(folder), '--out-dir', str(out))
    assert result.returncode == 1, result.stderr
    failures = [line for line in result.stderr.splitlines()
                if line.startswith('FAILED')]
    assert len(failures) == 1 and 'b.svs' in failures[0]
    for name in ('a', 'c'):
        with open(out / f'{name}.summary.json') as f:
            assert json.load(f)['status'] == 'done'
        assert (out / f'{name}.labels.tif').is_file()
    assert not any(p.name.startswith('b.') for p in out.iterdir())
    # a re-run skips the finished slides and still reports the broken one
    again = infer(*model_files, str(folder), '--out-dir', str(out))
    assert again.returncode == 1 and again.stderr.count('skipped') == 2


def test_torchrun_ranks_share_the_slides(tmp_path, model_files):
    folder = slides(tmp_path / 'in', ['s1.tif', 's2.tif', 's3.tif'])
    listing = tmp_path / 'list.txt'
    listing.write_text('# slides\nin/s3.tif\nin/s1.tif\n\nin/s2.tif\n')
    out = tmp_path / 'out'
    result = infer(*model_files, str(listing), '--out-dir', str(out),
                   launcher=(sys.executable, '-m', 'torch.distributed.run',
                             '--standalone', '--nproc_per_node', '2'))
    assert result.returncode == 0, result.stderr
    assert 'rank 0/2' in result.stderr and 'rank 1/2' in result.stderr
    assert result.stderr.count('done') == 3  # each slide once
    assert sorted(p.name for p in out.glob('*.summary.json')) == [
        's1.summary.json', 's2.summary.json', 's3.summary.json'
    ]


def test_collect_slides_expands_folders_and_lists(tmp_path, monkeypatch):
    folder = slides(tmp_path / 'in', ['x.tif', 'y.svs'])
    (folder / 'notes.md').write_text('not a slide')
    listing = tmp_path / 'l.txt'
    listing.write_text('in/y.svs\nin/z.png  # comment\n')
    found = collect_slides([str(folder), str(listing)])
    assert found == [str(folder / 'x.tif'), str(folder / 'y.svs'),
                     str(folder / 'z.png')]
    monkeypatch.setenv('RANK', '1')
    monkeypatch.setenv('WORLD_SIZE', '2')
    assert rank_share(found) == ([str(folder / 'y.svs')], 1, 2)
    (tmp_path / 'other').mkdir()
    np.zeros(1).tofile(tmp_path / 'other' / 'x.tif')
    with pytest.raises(ValueError, match='same name'):
        collect_slides([str(folder), str(tmp_path / 'other' / 'x.tif')])


@pytest.mark.parametrize('flags, amp', [([], None), (['--amp', 'fp32'], False)])
def test_cli_precision_default_is_bf16_where_the_cpu_has_it(
        tmp_path, model_files, flags, amp):
    """infer_wsi's default: channels-last, bfloat16 on a CPU with native
    bfloat16 (float32 elsewhere); ``--amp fp32`` turns it off."""
    from mmseg_hsp.tiling import Precision
    folder = slides(tmp_path / 'in', ['a.tif'])
    out = tmp_path / 'out'
    result = infer(*model_files, str(folder), '--out-dir', str(out),
                   '--device', 'cpu', *flags)
    assert result.returncode == 0, result.stderr
    with open(out / 'a.summary.json') as f:
        precision = json.load(f)['precision']
    assert precision == Precision.resolve('cpu', amp).to_dict()
    assert precision['dtype'] == ('bf16' if amp is None and
                                  Precision.resolve('cpu', None).dtype
                                  else 'fp32')


def test_report_confidence_and_dicom_seg_flags(tmp_path, model_files):
    """--report, --confidence and --dicom-seg on a DICOM slide and a TIFF
    slide: the TIFF slide fails in one line (not DICOM), the DICOM one gets
    every output, and the report lists both."""
    pytest.importorskip('highdicom', reason='highdicom is not installed')
    rgb = painted_slide(256, 320, [(32, 32, 128, 160, (230, 130, 200))])
    dicom = tmp_path / 'case'
    dicom.mkdir()
    write_dicom_slide(dicom, rgb, mpp=0.25, levels=2)
    write_pyramid(tmp_path / 'plain.tif', rgb, mpp=0.25, levels=2)
    out = tmp_path / 'out'
    result = infer(*model_files, str(dicom), str(tmp_path / 'plain.tif'),
                   '--out-dir', str(out), '--report',
                   '--dicom-seg')
    assert result.returncode == 1, result.stderr
    (failure, ) = [line for line in result.stderr.splitlines()
                   if line.startswith('FAILED')]
    assert 'plain.tif' in failure and '--dicom-seg' in failure
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ['case.confidence.tif', 'case.geojson', 'case.labels.tif',
         'case.overlay.png', 'case.seg.dcm', 'case.summary.json',
         'report.html', 'slides.csv'])
    with open(out / 'slides.csv') as f:
        rows = [line.split(',')[:2] for line in f.read().splitlines()[1:]]
    assert rows == [['case', 'done'], ['plain.tif', 'failed']]
