"""A slide that does not look H&E-stained is warned about; class names and
their order are part of the model's identity.

Before, an immunohistochemistry (H + DAB) image was graded as H&E without
a word, and a checkpoint whose ``dataset_meta`` reordered the class names
reused the first run's outputs (whose label values meant other classes).
"""
import numpy as np
import pytest
from fixtures.wsi_slides import DATASET_META, ColourModel, write_pyramid

from mmseg_hsp.stain import (H_AND_E_MAX_ANGLE, MacenkoNormalizer,
                             second_stain_angle)
from mmseg_hsp.wsi.report import write_run_report
from mmseg_hsp.wsi.runner import run_slides
from mmseg_hsp.wsi.segmenter import OutputsOfOtherSettings, SlideSegmenter

HEMATOXYLIN = [0.65, 0.70, 0.29]  # Ruifrok & Johnston
# Published eosin vectors: Ruifrok & Johnston's, scikit-image's rgb_from_hed
# variant, Macenko et al.'s reference (the bluest); and DAB's.
EOSINS = {'ruifrok': [0.07, 0.99, 0.11],
          'hed': [0.092789, 0.954111, 0.283111],
          'macenko': [0.2159, 0.8012, 0.5581]}
DABS = {'ruifrok': [0.27, 0.57, 0.78], 'hed': [0.268, 0.570, 0.776]}


def stained(second, size=128, block=1, seed=0):
    """White glass around a square of tissue stained with hematoxylin and
    ``second`` (Beer-Lambert, light 240): nuclei (hematoxylin), stroma
    (the second stain) and their mixtures, in ``block``-pixel patches (so
    that a slide's thumbnail keeps them apart)."""
    rng = np.random.default_rng(seed)
    vectors = np.array([HEMATOXYLIN, second], np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    inner = size * 3 // 4
    cells = inner // block
    amounts = rng.uniform(0, 1.2, (cells, cells, 2))
    amounts *= rng.random((cells, cells, 2)) < 0.7
    amounts[..., 1] = np.maximum(amounts[..., 1], 0.15)
    amounts = amounts.repeat(block, 0).repeat(block, 1)
    tissue = 240 * np.exp(-amounts @ vectors)
    rgb = np.full((size, size, 3), 255, np.uint8)
    start = (size - inner) // 2
    rgb[start:start + inner, start:start + inner] = tissue.round().clip(0, 255)
    return rgb


@pytest.mark.parametrize('name, vector', list(EOSINS.items()))
def test_h_and_e_estimates_below_the_angle(name, vector):
    estimate = MacenkoNormalizer().estimate(stained(vector))
    angle = second_stain_angle(estimate)
    assert abs(angle - second_stain_angle(dict(eosin=vector))) < 5
    assert angle < H_AND_E_MAX_ANGLE - 5


@pytest.mark.parametrize('name, vector', list(DABS.items()))
def test_h_and_dab_estimates_above_the_angle(name, vector):
    estimate = MacenkoNormalizer().estimate(stained(vector))
    angle = second_stain_angle(estimate)
    assert abs(angle - second_stain_angle(dict(eosin=vector))) < 5
    assert angle > H_AND_E_MAX_ANGLE + 5


def segmenter(model=None):
    return SlideSegmenter.from_model(
        model or ColourModel(), blend=dict(mode='none', tile=256),
        resolution=dict(mpp=1.0), progress=False)


def test_an_ihc_slide_is_warned_about_in_summary_report_and_run(tmp_path):
    # a thumbnail of 64x64 pixels (16 slide pixels each), 48x48 of tissue
    write_pyramid(tmp_path / 'he.tif', stained(EOSINS['macenko'], 1024, 32),
                  mpp=1.0, levels=1)
    write_pyramid(tmp_path / 'ihc.tif', stained(DABS['ruifrok'], 1024, 32),
                  mpp=1.0, levels=1)
    slides = [str(tmp_path / 'he.tif'), str(tmp_path / 'ihc.tif')]
    said = []
    he, ihc = run_slides(segmenter(), slides, str(tmp_path / 'out'),
                         say=said.append)
    assert he['stain_check']['h_and_e'] and he['warnings'] == []
    assert not ihc['stain_check']['h_and_e']
    assert ihc['stain_check']['angle'] > H_AND_E_MAX_ANGLE
    [warning] = ihc['warnings']
    assert warning.startswith('does not look H&E-stained: its second stain '
                              '[0.2')
    assert warning.endswith(' deg from green, eosin is below 45), as DAB '
                            '(brown, immunohistochemistry) does; the model '
                            'was trained on H&E, so its grades of this '
                            'slide are not to be trusted')
    assert ihc['status'] == 'done'  # warned, not refused
    assert said == [f'{slides[1]}: warning: {warning}']
    paths = write_run_report(slides, str(tmp_path / 'out'), [he, ihc])
    with open(paths['report.html']) as f:
        assert f'Warning: {warning.replace("&", "&amp;")}' in f.read()


def test_reordered_class_names_are_another_model(tmp_path):
    write_pyramid(tmp_path / 's.tif', stained(EOSINS['ruifrok']), mpp=1.0,
                  levels=1)
    slide, out = str(tmp_path / 's.tif'), str(tmp_path / 'out')
    assert segmenter().run(slide, out)['identity']['classes'] == \
        list(DATASET_META['classes'])
    reordered = ColourModel()
    classes = list(DATASET_META['classes'])
    classes[3], classes[4] = classes[4], classes[3]
    reordered.dataset_meta = dict(DATASET_META, classes=tuple(classes))
    with pytest.raises(OutputsOfOtherSettings) as error:
        segmenter(reordered).run(slide, out)
    assert 'classes ["background", "normal", "CIN1", "CIN2", "CIN3"] then, ' \
        '["background", "normal", "CIN1", "CIN3", "CIN2"] now' in \
        str(error.value)
