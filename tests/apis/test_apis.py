"""mmseg_hsp.apis: the CLI's labels from Python, one precision rule, and an
``import mmseg_hsp`` that loads no slide library."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import tifffile
from fixtures.wsi_slides import (FCN_CONFIG, TINY_FCN_OPTIONS, painted_slide,
                                 tiny_checkpoint, write_pyramid)

from conftest import REPO_ROOT

from mmseg_hsp.apis import (init_slide_segmenter, segment_slide,
                            segment_slides)
from mmseg_hsp.tiling import precision as precision_module

BLEND = dict(tile=64, stride=32, batch_size=16)
# What ``custom_imports=['mmseg_hsp']`` must not load: the slide libraries
# (mmcv itself imports tifffile when it is there, so the test hides them)
# and the slide pipeline.
SLIDE_LIBRARIES = ('openslide', 'rasterio', 'skimage', 'torchstain',
                   'tifffile')
SLIDE_PACKAGES = ('mmseg_hsp.wsi', 'mmseg_hsp.slide_io', 'mmseg_hsp.apis')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp('model'))[1]


def write_slide(path):
    path.parent.mkdir(exist_ok=True)
    rgb = painted_slide(256, 320, [(32, 32, 128, 160, (230, 130, 200)),
                                   (150, 200, 64, 64, (200, 0, 0))])
    write_pyramid(path, rgb, mpp=0.25, levels=2)
    return str(path)


def label_map(summary):
    with tifffile.TiffFile(summary['outputs']['labels']) as tif:
        return tif.pages[0].asarray()


def run_python(code):
    """Run ``code`` in a fresh interpreter; its finished process."""
    result = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, PYTHONPATH=REPO_ROOT))
    assert result.returncode == 0, result.stderr
    return result


def test_import_mmseg_hsp_needs_no_slide_library_and_registers_all():
    code = ('import sys\n'
            f'sys.modules.update(dict.fromkeys({SLIDE_LIBRARIES!r}))\n'
            'import mmseg_hsp\n'
            'from mmseg.registry import HOOKS, TRANSFORMS\n'
            f'print(sorted(set({SLIDE_PACKAGES!r}) & set(sys.modules)))\n'
            "print(HOOKS.get('StrictCheckpointHook').__module__)\n"
            "print(TRANSFORMS.get('StainNormalize').__name__)\n"
            "print(TRANSFORMS.get('RandomHEDJitter').__name__)\n")
    result = run_python(code)
    assert result.stdout.split('\n')[:4] == [
        '[]', 'mmseg_hsp.engine.hooks.strict_checkpoint_hook',
        'StainNormalize', 'RandomHEDJitter'
    ]


def test_mmseg_hsp_apis_is_imported_on_first_use():
    code = ('import sys, mmseg_hsp\n'
            "print('mmseg_hsp.apis' in sys.modules)\n"
            'print(mmseg_hsp.apis.init_slide_segmenter.__module__)\n'
            "print('mmseg_hsp.slide_io' in sys.modules)\n")
    result = run_python(code)
    assert result.stdout.split() == [
        'False', 'mmseg_hsp.apis.slides', 'True'
    ]


def test_api_gives_the_labels_of_the_cli(tmp_path, checkpoint):
    slide = write_slide(tmp_path / 'in' / 's.tif')
    cli = subprocess.run(
        [sys.executable, osp.join('tools', 'infer_wsi.py'), FCN_CONFIG,
         checkpoint, slide, '--out-dir', str(tmp_path / 'cli'), '--device',
         'cpu', '--tile', '64', '--stride', '32', '--batch-size', '16',
         '--no-progress', '--cfg-options'] +
        [f'{key}={value}' for key, value in TINY_FCN_OPTIONS.items()],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO_ROOT))
    assert cli.returncode == 0, cli.stderr
    with open(tmp_path / 'cli' / 's.summary.json') as f:
        expected = json.load(f)
    segmenter = init_slide_segmenter(FCN_CONFIG, checkpoint, device='cpu',
                                     cfg_options=TINY_FCN_OPTIONS,
                                     blend=BLEND, progress=False)
    summary = segment_slide(segmenter, slide, str(tmp_path / 'api'))
    assert summary['status'] == 'done'
    for key in ('blend', 'analysis', 'precision', 'tiles', 'classes',
                'areas'):
        assert summary[key] == expected[key], key
    np.testing.assert_array_equal(label_map(summary), label_map(expected))
    again = segment_slide(segmenter, slide, str(tmp_path / 'api'))
    assert again['status'] == 'skipped'


def test_segment_slides_collects_folders_and_reports_failures(
        tmp_path, checkpoint):
    write_slide(tmp_path / 'in' / 'a.tif')
    (tmp_path / 'in' / 'b.svs').write_bytes(b'not a slide')
    segmenter = init_slide_segmenter(FCN_CONFIG, checkpoint, device='cpu',
                                     cfg_options=TINY_FCN_OPTIONS,
                                     blend=BLEND, progress=False)
    results = segment_slides(segmenter, [str(tmp_path / 'in')],
                             str(tmp_path / 'out'))
    assert [(osp.basename(r['slide']), r['status']) for r in results] == [
        ('a.tif', 'done'), ('b.svs', 'failed')
    ]
    assert 'b.svs' in results[1]['error'] and '\n' not in results[1]['error']
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='no slides in'):
        segment_slides(segmenter, [str(tmp_path / 'empty')], str(tmp_path))


def test_segment_slides_writes_the_run_report_on_request(tmp_path,
                                                         checkpoint):
    write_slide(tmp_path / 'in' / 'a.tif')
    segmenter = init_slide_segmenter(FCN_CONFIG, checkpoint, device='cpu',
                                     cfg_options=TINY_FCN_OPTIONS,
                                     blend=BLEND, progress=False)
    segment_slides(segmenter, [str(tmp_path / 'in')], str(tmp_path / 'out'))
    assert not (tmp_path / 'out' / 'slides.csv').exists()
    (result, ) = segment_slides(segmenter, [str(tmp_path / 'in')],
                                str(tmp_path / 'out'), report=True)
    assert result['status'] == 'skipped'  # reported all the same
    with open(tmp_path / 'out' / 'slides.csv') as f:
        lines = f.read().splitlines()
    assert len(lines) == 2 and lines[1].startswith('a.tif,skipped,')
    assert (tmp_path / 'out' / 'report.html').is_file()


@pytest.mark.parametrize('amp, config_amp, dtype', [
    (None, None, 'bf16'),  # neither: 'auto'
    (None, 'fp32', 'fp32'),  # the config's test_cfg.amp
    (None, False, 'fp32'),
    ('bf16', 'fp32', 'bf16'),  # the argument over the config
    (False, 'bf16', 'fp32'),  # False is fp32, not "not given"
    (True, 'fp32', 'bf16'),  # True is 'auto'
])
def test_precision_argument_over_config_over_auto(monkeypatch, amp,
                                                  config_amp, dtype):
    monkeypatch.setattr(precision_module, 'cpu_bf16_flags',
                        lambda: ('avx512_bf16', ))
    options = dict(TINY_FCN_OPTIONS)
    if config_amp is not None:
        options['model.test_cfg.amp'] = config_amp
    segmenter = init_slide_segmenter(FCN_CONFIG, None, device='cpu', amp=amp,
                                     cfg_options=options)
    assert segmenter.predictor.precision.to_dict() == dict(
        dtype=dtype, channels_last=True)


@pytest.mark.parametrize('amp, config_amp, notes', [
    (None, None, 0),  # nobody asked: float32 without a word
    ('auto', None, 1),
    (None, 'auto', 1),
])
def test_only_an_asked_amp_notes_the_float32_fallback(monkeypatch, amp,
                                                      config_amp, notes):
    said = []
    monkeypatch.setattr(precision_module, 'print_log',
                        lambda message, **kwargs: said.append(message))
    monkeypatch.setattr(precision_module, 'cpu_bf16_flags', lambda: ())
    precision_module._note_no_bf16.cache_clear()
    options = dict(TINY_FCN_OPTIONS)
    if config_amp is not None:
        options['model.test_cfg.amp'] = config_amp
    segmenter = init_slide_segmenter(FCN_CONFIG, None, device='cpu', amp=amp,
                                     cfg_options=options)
    assert segmenter.predictor.precision.name == 'fp32'
    assert len(said) == notes
    precision_module._note_no_bf16.cache_clear()


def test_a_wrong_config_amp_is_named():
    options = dict(TINY_FCN_OPTIONS, **{'model.test_cfg.amp': 'half'})
    with pytest.raises(ValueError, match="'model.test_cfg.amp': 'half' is "
                       'not one of auto, bf16, fp16, fp32'):
        init_slide_segmenter(FCN_CONFIG, None, device='cpu',
                             cfg_options=options)
