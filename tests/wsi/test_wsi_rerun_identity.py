"""A changed model or setting never reuses old results: every setting that
changes the outputs is recorded with them and compared on a rerun, and
slides run as the config evaluates (its stain normalisation, its test_cfg
precision), which the record names."""
import json

import pytest
from fixtures.infer_runs import (changed_checkpoint, infer, last_line,
                                 one_slide)
from fixtures.stains import stained_slide
from fixtures.wsi_slides import (FCN_CONFIG, TINY_FCN_OPTIONS, ColourModel,
                                 painted_slide, write_pyramid)

from mmseg_hsp.apis import init_slide_segmenter
from mmseg_hsp.stain import DEFAULT_REFERENCE
from mmseg_hsp.wsi import SlideStain
from mmseg_hsp.wsi.identity import identity_differences
from mmseg_hsp.wsi.segmenter import OutputsOfOtherSettings, SlideSegmenter


def outputs(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# Other settings never reuse finished results.


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


# Slides run as the config evaluates (stain, precision).


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
