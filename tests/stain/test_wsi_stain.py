"""Stain normalisation of whole slides: once per slide, seamless, reported."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import tifffile
import torch
from fixtures.stains import stained_slide
from fixtures.wsi_slides import (FCN_CONFIG, ColourModel, painted_slide,
                                 tiny_checkpoint, write_pyramid)
from mmengine.config import Config

from conftest import REPO_ROOT

from mmseg_hsp.stain import DEFAULT_REFERENCE, MacenkoNormalizer
from mmseg_hsp.stain import macenko as macenko_module
from mmseg_hsp.wsi import SlideStain
from mmseg_hsp.wsi.runner import run_slides
from mmseg_hsp.wsi.segmenter import SlideSegmenter

SMALL = dict(tile=64, stride=24, batch_size=16)


def run(model, path, out, **kwargs):
    return SlideSegmenter.from_model(
        model,
        blend=SMALL,
        resolution=dict(input_magnification=10),
        outputs=dict(tissue_mask=False),
        progress=False,
        **kwargs).run(str(path), str(out))


def test_slide_is_normalised_once_and_seamlessly(tmp_path, monkeypatch):
    # One estimation per slide; the label map of a context-dependent model
    # (a real FCN) equals that of the slide normalised as a whole
    # beforehand: every tile saw the same normalisation, seams included.
    model, _ = tiny_checkpoint(tmp_path)
    torch.manual_seed(1)
    for param in model.decode_head.conv_seg.parameters():
        param.data.normal_()
    model.decode_head.conv_seg.bias.data.zero_()  # labels follow colours
    rgb = stained_slide()
    write_pyramid(tmp_path / 'slide.tif', rgb, mpp=1.0, levels=2)
    fits = []
    real_fit = macenko_module.NumpyMacenkoNormalizer.fit
    monkeypatch.setattr(
        macenko_module.NumpyMacenkoNormalizer, 'fit',
        lambda self, *a, **k: fits.append(1) or real_fit(self, *a, **k))
    summary = run(model, tmp_path / 'slide.tif', tmp_path / 'out',
                  stain=SlideStain())
    assert len(fits) == 1 and summary['tiles']['run'] > 20

    stain = summary['stain']
    assert stain['reference_from'] == 'default'
    assert stain['params']['reference'] == DEFAULT_REFERENCE
    assert stain['estimated_on']['cell'] == 16  # the tissue thumbnail's
    with open(summary['outputs']['summary']) as f:
        assert json.load(f)['stain'] == stain

    normalized = MacenkoNormalizer.from_params(stain['params']).apply(rgb)
    assert np.abs(normalized.astype(int) - rgb).mean() > 10
    write_pyramid(tmp_path / 'normalized.tif', normalized, mpp=1.0, levels=2)
    plain = run(model, tmp_path / 'normalized.tif', tmp_path / 'out')
    assert plain['stain'] is None
    labels = tifffile.imread(summary['outputs']['labels'])
    assert len(np.unique(labels)) > 2
    np.testing.assert_array_equal(labels,
                                  tifffile.imread(plain['outputs']['labels']))
    raw = run(model, tmp_path / 'slide.tif', tmp_path / 'raw')
    assert (tifffile.imread(raw['outputs']['labels']) != labels).mean() > 0.05


def test_too_little_tissue_is_one_line_naming_the_slide(tmp_path):
    # 128x128 px of tissue: 64 thumbnail pixels, fewer than the 100 the
    # estimation needs. A slide without any tissue runs no tile and needs
    # no normalisation.
    little = painted_slide(480, 640, [(64, 64, 128, 128, (230, 130, 200))])
    write_pyramid(tmp_path / 'little.tif', little, mpp=1.0, levels=1)
    glass = np.full((480, 640, 3), 240, np.uint8)
    write_pyramid(tmp_path / 'glass.tif', glass, mpp=1.0, levels=1)
    segmenter = SlideSegmenter.from_model(ColourModel(),
                                          blend=SMALL,
                                          progress=False,
                                          stain=SlideStain())
    failed, done = run_slides(
        segmenter, [str(tmp_path / 'little.tif'),
                    str(tmp_path / 'glass.tif')], str(tmp_path / 'out'))
    assert failed['status'] == 'failed'
    assert '\n' not in failed['error']
    assert failed['error'].startswith(str(tmp_path / 'little.tif'))
    assert 'without stain normalisation' in failed['error']
    assert not (tmp_path / 'out' / 'little.summary.json').exists()
    assert done['status'] == 'done' and done['tiles']['run'] == 0
    assert done['stain']['params'] is None


def test_reference_from_json_or_image(tmp_path):
    reference = MacenkoNormalizer().estimate(stained_slide())
    (tmp_path / 'ref.json').write_text(json.dumps(reference))
    assert SlideStain(str(tmp_path / 'ref.json')).reference == reference
    cv2.imwrite(str(tmp_path / 'ref.png'), stained_slide()[..., ::-1])
    from_image = SlideStain(str(tmp_path / 'ref.png'))
    assert from_image.reference_from == str(tmp_path / 'ref.png')
    np.testing.assert_allclose(from_image.reference['eosin'],
                               reference['eosin'])


@pytest.mark.parametrize('content', [None, '{"eosin": [0, 1, 0]}'])
def test_bad_stain_reference_is_one_line_and_exit_2(tmp_path, content):
    reference = tmp_path / 'ref.json'
    if content is not None:
        reference.write_text(content)
    slide = tmp_path / 'slide.png'  # the inputs are fine: only the flag is not
    cv2.imwrite(str(slide), np.full((32, 32, 3), 200, np.uint8))
    env = dict(os.environ, OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, osp.join(REPO_ROOT, 'tools', 'infer_wsi.py'),
         FCN_CONFIG, 'unused.pth', str(slide), '--out-dir',
         str(tmp_path / 'out'), '--stain-normalize', str(reference)],
        capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=300)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines()
             if line.startswith('infer_wsi:')]
    assert len(lines) == 1 and str(reference) in lines[0]
    assert ('no such file' if content is None else
            'hematoxylin must be a list of 3 numbers') in lines[0]


def test_tools_test_with_stain_normalize(tmp_path):
    # The MTCHI test pipeline with StainNormalize (the _base_ fragment the
    # R101 variant uses), on the demo model, to a stored reference.
    from fixtures.test_runs import random_checkpoint, run_test_tool

    from mmseg_hsp.datasets import write_synthetic_mtchi
    root = str(tmp_path / 'Task2')
    write_synthetic_mtchi(root, 0, 2, (64, 64), thickness=(20, 30),
                          segment_length=(20, 40))
    demo = osp.join(REPO_ROOT, 'configs', 'hspnet_r18_synthetic_demo.py')
    fragment = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets',
                        'mtchi_stain_norm.py')
    config = tmp_path / 'demo_stain-norm.py'
    config.write_text(
        f'_base_ = [{demo!r}, {fragment!r}]\n'
        'test_dataloader = dict(dataset=dict(\n'
        '    pipeline={{_base_.stain_norm_test_pipeline}}))\n')
    checkpoint = str(tmp_path / 'demo.pth')
    random_checkpoint(demo, [], checkpoint)
    reference = tmp_path / 'ref.json'
    reference.write_text(json.dumps(MacenkoNormalizer().estimate(
        stained_slide())))
    proc = run_test_tool(
        str(config), checkpoint, str(tmp_path / 'work'), root,
        [f'test_dataloader.dataset.pipeline.1.reference={reference}'])
    assert proc.returncode == 0, proc.stderr[-4000:]
    run_dir, = glob.glob(str(tmp_path / 'work' / '2*'))
    used = Config.fromfile(osp.join(run_dir, 'vis_data', 'config.py'))
    assert used.test_dataloader.dataset.pipeline[1] == dict(
        type='StainNormalize', reference=str(reference))
    metrics_file, = glob.glob(osp.join(run_dir, '*.json'))
    with open(metrics_file) as f:
        assert 0 <= json.loads(f.readlines()[-1])['mIoU'] <= 1
