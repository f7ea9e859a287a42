"""Issue 11, cases 1, 5 and 6: resolution metadata is evidence, not truth.

Case 1: a generic TIFF with the usual 72 dpi resolution tags reads as
352.78 um/px in OpenSlide, which used to up-sample a 300x250 image to a
105,834 x 88,195 label map; ``--input-mpp 1000`` did the same. Case 5:
``--input-mpp`` did not override a recorded objective power. Case 6: bad
numbers on the command line gave exit 0, a ZeroDivisionError or a wrong
message instead of an argparse error.
"""
import contextlib
import os
import os.path as osp
import signal
import subprocess
import sys

import openslide
import pytest
import tifffile
from fixtures.wsi_slides import (FCN_CONFIG, ColourModel, painted_slide,
                                 write_pyramid)

from conftest import REPO_ROOT

from mmseg_hsp.slide_io import SlideError, open_slide, resolve_scale
from mmseg_hsp.wsi.segmenter import SlideSegmenter

INFER_WSI = osp.join(REPO_ROOT, 'tools', 'infer_wsi.py')
SMALL = dict(mode='gauss', tile=64, stride=32, batch_size=16)


def write_dpi_tiff(path, rgb, dpi):
    """A tiled TIFF as image software saves it: resolution in inches."""
    with tifffile.TiffWriter(str(path)) as tif:
        tif.write(rgb, tile=(64, 64), photometric='rgb', compression='zlib',
                  resolution=(dpi, dpi), resolutionunit='INCH',
                  metadata=None)


def write_aperio(path, rgb, app_mag, mpp):
    """A tiled TIFF OpenSlide reads as Aperio, with AppMag and MPP."""
    height, width = rgb.shape[:2]
    description = (f'Aperio Image Library v12.0.0\n{width}x{height} '
                   f'[0,0 {width}x{height}] (64x64) RGB|AppMag = {app_mag}'
                   f'|MPP = {mpp}')
    with tifffile.TiffWriter(str(path)) as tif:
        tif.write(rgb, tile=(64, 64), photometric='rgb', compression='zlib',
                  description=description, metadata=None)


@contextlib.contextmanager
def time_limit(seconds):
    """Fail instead of hanging (the 72 dpi slide took hours before)."""

    def expire(*_):
        raise TimeoutError(f'took more than {seconds} s')

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def lesion(height=250, width=300):
    return painted_slide(height, width, [(40, 40, 120, 160, (200, 0, 0))])


@pytest.mark.parametrize('dpi, mpp', [(72, 352.78), (96, 264.58)])
def test_dpi_default_resolution_is_refused_naming_file_and_flag(
        tmp_path, dpi, mpp):
    path = tmp_path / f'dpi{dpi}.tif'
    write_dpi_tiff(path, lesion(), dpi)
    # the premise: OpenSlide reports the inch default as a pixel size
    assert float(openslide.OpenSlide(str(path)).properties[
        'openslide.mpp-x']) == pytest.approx(mpp, abs=0.01)
    with open_slide(str(path)) as reader, pytest.raises(SlideError) as error:
        resolve_scale(reader, 10)
    message = str(error.value)
    assert '\n' not in message
    # the API's words (the tool's are --input-mpp: test_flag_keywords.py)
    assert str(path) in message and 'input_mpp=' in message
    assert f'{mpp:.2f}' in message
    # the user's number makes it work
    with open_slide(str(path)) as reader:
        assert resolve_scale(reader, 10, input_mpp=0.5).downsample == 2.0


def test_implausible_slide_fails_alone_and_fast_in_a_batch(tmp_path):
    folder = tmp_path / 'in'
    folder.mkdir()
    write_dpi_tiff(folder / 'a_dpi72.tif', lesion(), 72)
    write_pyramid(folder / 'b_good.tif', lesion(256, 320), mpp=0.25,
                  levels=2)
    out = tmp_path / 'out'
    segmenter = SlideSegmenter.from_model(ColourModel(), blend=SMALL,
                                          progress=False)
    from mmseg_hsp.wsi.runner import run_slides
    with time_limit(120):
        summaries = run_slides(segmenter, sorted(
            str(p) for p in folder.iterdir()), str(out))
    failed, done = summaries
    assert failed['status'] == 'failed'
    assert 'a_dpi72.tif' in failed['error'] and 'input_mpp=' in \
        failed['error']
    assert done['status'] == 'done'
    assert sorted(os.listdir(out)) == sorted(
        f'b_good{suffix}'
        for suffix in ('.labels.tif', '.confidence.tif', '.geojson',
                       '.overlay.png', '.summary.json'))


def test_analysis_never_upsamples_level0_beyond_the_limit(tmp_path):
    path = tmp_path / 'coarse.tif'
    # 4 um/px (x2.5) is a plausible overview scan, but x10 from it would be
    # a 4x up-sampling of what the scanner saw
    write_pyramid(path, lesion(), mpp=4.0, levels=1)
    with open_slide(str(path)) as reader:
        with pytest.raises(SlideError, match='up-sampl.*input_mpp='):
            resolve_scale(reader, 10)
        # x5 (2x) is within the limit
        assert resolve_scale(reader, 5).downsample == 0.5
    # a plausible --input-mpp that would up-sample too much is refused
    with open_slide(str(path)) as reader:
        with pytest.raises(SlideError, match='up-sampl'):
            resolve_scale(reader, mpp=0.25, input_mpp=1.0)


def test_input_mpp_overrides_a_recorded_objective_power(tmp_path):
    path = tmp_path / 'x20.svs'
    rgb = lesion(256, 320)
    write_aperio(path, rgb, app_mag=20, mpp=0.5)
    with open_slide(str(path)) as reader:
        assert (reader.objective_power, reader.mpp) == (20.0, 0.5)
        scale = resolve_scale(reader, 10, input_mpp=1.0)
    # the user says 1 um/px, i.e. x10 already: no downsampling (and the
    # recorded x20 is not used for the magnification either)
    assert (scale.downsample, scale.mpp, scale.magnification) == (1.0, 1.0,
                                                                  None)
    summary = SlideSegmenter.from_model(
        ColourModel(), blend=SMALL, resolution=dict(input_mpp=1.0),
        progress=False).run(str(path), str(tmp_path / 'out'))
    assert summary['analysis']['downsample'] == 1.0
    assert summary['analysis']['size'] == [320, 256]
    # 120 x 160 red pixels of 1 um^2 each
    assert summary['areas']['CIN3'] == dict(pixels=120 * 160,
                                            mm2=120 * 160 * 1e-6)
    # likewise --input-magnification overrides a recorded pixel size (which
    # then gives no areas in mm^2 either)
    with open_slide(str(path)) as reader:
        scale = resolve_scale(reader, mpp=1.0, input_magnification=10)
    assert (scale.downsample, scale.mpp, scale.magnification) == (1.0, None,
                                                                  10.0)


def load_infer_wsi():
    """The tool's code (tools/infer_wsi.py is a shim over it)."""
    from mmseg_hsp.cli import infer_wsi
    return infer_wsi


@pytest.mark.parametrize('flags, named', [
    (['--input-mpp', '-1'], '--input-mpp'),
    (['--input-mpp', '0'], '--input-mpp'),
    (['--input-mpp', '1000'], '--input-mpp'),
    (['--input-mpp', 'nan'], '--input-mpp'),
    (['--mpp', '0'], '--mpp'),
    (['--magnification', '-10'], '--magnification'),
    (['--input-magnification', '0'], '--input-magnification'),
    (['--tile', '0'], '--tile'),
    (['--stride', '-5'], '--stride'),
    (['--batch-size', '0'], '--batch-size'),
    (['--sigma', '0'], '--sigma'),
    (['--geojson-min-area', '-1'], '--geojson-min-area'),
])
def test_bad_numbers_are_one_line_argparse_errors(capsys, flags, named):
    infer_wsi = load_infer_wsi()
    with pytest.raises(SystemExit) as exit_info:
        infer_wsi.parse_args(['cfg.py', 'ckpt.pth', 'slide.svs', '--out-dir',
                              'out', *flags])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith('infer_wsi') or 'error:' in error
    assert 'error:' in error and named in error


def test_implausible_input_mpp_exits_2_before_any_work(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO_ROOT)
    result = subprocess.run(
        [sys.executable, INFER_WSI, FCN_CONFIG, 'missing.pth',
         str(tmp_path), '--out-dir', str(tmp_path / 'out'), '--input-mpp',
         '1000'], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert '--input-mpp' in lines[-1] and '20' in lines[-1]
    assert not (tmp_path / 'out').exists()


def test_resolution_spec_refuses_an_implausible_level0_resolution():
    from mmseg_hsp.wsi import ResolutionSpec
    with pytest.raises(ValueError, match='1000.00 um/px is outside'):
        ResolutionSpec(input_mpp=1000)
    with pytest.raises(ValueError, match='x0.01 is outside'):
        ResolutionSpec(input_magnification=0.01)
