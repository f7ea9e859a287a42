"""Slide outputs are registered writers: a new one, registered at runtime,
is written, summarised, listed, checked on a rerun and kept out of the
slide inputs without any edit of the segmenter."""
import os.path as osp
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
from fixtures.wsi_slides import ColourModel, painted_slide

from mmseg_hsp.wsi import OutputSpec
from mmseg_hsp.wsi.outputs import (SLIDE_OUTPUTS, SlideOutput,
                                   register_output, slide_outputs)
from mmseg_hsp.wsi.runner import collect_inputs
from mmseg_hsp.wsi.segmenter import OutputsOfOtherSettings, SlideSegmenter

SMALL = dict(tile=64, stride=16, batch_size=16)
PINK, RED = (230, 130, 200), (200, 0, 0)


@dataclass(frozen=True)
class ToySpec(OutputSpec):
    """OutputSpec with the switch a new optional output adds to it."""
    toy: bool = False


class ToyCounts(SlideOutput):
    """``<stem>.toy.txt``: how many classes the label map holds, counted
    band by band."""
    name = 'toy'
    suffix = '.toy.txt'
    option = 'toy'

    def __init__(self, path, slide_path):
        super().__init__(path, slide_path)
        self.counts = np.zeros(256, np.int64)

    def add_band(self, labels, confidence):
        self.counts += np.bincount(labels.ravel(), minlength=256)

    def write(self, slide):
        classes = int((self.counts > 0).sum())
        with open(self.path, 'w') as f:
            f.write(f'{classes}\n')
        return dict(toy_classes=classes)


@pytest.fixture
def toy():
    register_output(ToyCounts)
    yield ToyCounts
    del SLIDE_OUTPUTS['toy']


def region(tmp_path):
    """Glass, pink (normal) epithelium and a red (CIN3) block: 3 classes."""
    rgb = painted_slide(128, 160, [(8, 8, 112, 144, PINK),
                                   (40, 40, 40, 60, RED)])
    path = tmp_path / 'region.png'
    cv2.imwrite(str(path), rgb[..., ::-1])
    return str(path)


def segmenter(model, toy_on):
    return SlideSegmenter.from_model(
        model, blend=SMALL, resolution=dict(input_magnification=10),
        outputs=ToySpec(toy=toy_on), progress=False)


def test_a_registered_output_is_written_summarised_and_listed(tmp_path, toy):
    summary = segmenter(ColourModel(), True).run(region(tmp_path),
                                                 str(tmp_path / 'out'))
    path = str(tmp_path / 'out' / 'region.toy.txt')
    assert open(path).read() == '3\n'
    assert summary['toy_classes'] == 3
    assert list(summary['outputs']) == [
        'labels', 'geojson', 'overlay', 'confidence', 'toy', 'summary'
    ]
    assert summary['outputs']['toy'] == path
    assert summary['output_bytes']['toy'] == 2
    # the summary still comes last, after the new output
    assert [kind.name for kind in slide_outputs()][-2:] == ['toy', 'summary']


def test_the_rerun_check_honours_a_registered_output(tmp_path, toy):
    slide, out = region(tmp_path), str(tmp_path / 'out')
    model = ColourModel()
    first = segmenter(model, False).run(slide, out)
    assert 'toy' not in first['outputs'] and 'toy_classes' not in first
    calls = model.calls
    # asked for after a run without it: the slide is done again
    again = segmenter(model, True).run(slide, out)
    assert again['status'] == 'done' and model.calls > calls
    assert again['toy_classes'] == 3
    assert segmenter(model, True).run(slide, out)['status'] == 'skipped'
    # replaced since: not finished
    with open(osp.join(out, 'region.toy.txt'), 'w') as f:
        f.write('30\n')
    assert not segmenter(model, True).is_done(slide, out)
    segmenter(model, True).run(slide, out)
    # no longer asked for: other settings, refused as for any output
    with pytest.raises(OutputsOfOtherSettings,
                       match='outputs.toy true then, false now'):
        segmenter(model, False).run(slide, out)


def test_registered_outputs_with_a_slide_extension_are_not_inputs(
        tmp_path, toy):

    class ToyPicture(ToyCounts):
        name = 'toy_picture'
        suffix = '.toy.png'

    folder = tmp_path / 'in'
    folder.mkdir()
    for name in ('a.png', 'a.toy.png'):
        (folder / name).write_bytes(b'')
    assert collect_inputs([str(folder)]) == [str(folder / 'a.png'),
                                             str(folder / 'a.toy.png')]
    register_output(ToyPicture)
    try:
        left_out = []
        assert collect_inputs([str(folder)], warn=left_out.append) == [
            str(folder / 'a.png')
        ]
        assert 'a.toy.png' in left_out[0]
    finally:
        del SLIDE_OUTPUTS['toy_picture']


def test_an_output_clashing_with_a_registered_one_is_refused(toy):

    class SameSuffix(ToyCounts):
        name = 'other'

    with pytest.raises(ValueError, match="'other' .*clashes with 'toy'"):
        register_output(SameSuffix)
    assert 'other' not in SLIDE_OUTPUTS
