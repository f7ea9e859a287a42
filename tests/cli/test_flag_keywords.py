"""One vocabulary from flag to keyword: every ``tools/infer_wsi.py`` flag is
a keyword of the slide API of the same name (``--no-x`` is ``x=False``), an
unknown keyword names the nearest one, and messages name a setting as the
caller spells it."""
import inspect

import cv2
import pytest
from fixtures.wsi_slides import (FCN_CONFIG, TINY_FCN_OPTIONS, ColourModel,
                                 painted_slide, tiny_checkpoint)

from mmseg_hsp.apis import (ResolutionSpec, init_slide_segmenter,
                            segment_slide, segment_slides)
from mmseg_hsp.cli.infer_wsi import (api_keywords, build_parser,
                                     build_segmenter, parse_args)
from mmseg_hsp.setting_names import setting, spelled_as_flags
from mmseg_hsp.wsi import SlideSegmenter
from mmseg_hsp.wsi.keywords import segmenter_settings, settings_keywords
from mmseg_hsp.wsi.runner import run_slides

# Flags without a keyword by nature. Only --help: it prints the flags, and
# Python has help() for the functions. Every other flag, --report and
# --overwrite included, is a keyword of segment_slides.
CLI_ONLY = {'help'}
SETTINGS = dict(input_magnification=10, tile=64, stride=32, batch_size=16,
                mode='mean', confidence=False, tissue_mask=False,
                geojson_min_area=8, progress=False)
FLAGS = ['--input-magnification', '10', '--tile', '64', '--stride', '32',
         '--batch-size', '16', '--mode', 'mean', '--no-confidence',
         '--no-tissue-mask', '--geojson-min-area', '8', '--no-progress']


def flag_keyword(action):
    """The keyword a flag stands for: ``--x-y`` is ``x_y``, ``--no-x`` is
    ``x``; a positional is its name."""
    if not action.option_strings:
        return action.dest
    name = max(action.option_strings, key=len).lstrip('-').replace('-', '_')
    return name[3:] if name.startswith('no_') else name


def api_keyword_names():
    """Every keyword of the slide API: the functions' named parameters and
    the settings ``init_slide_segmenter(**settings)`` takes."""
    names = set(settings_keywords())
    for function in (init_slide_segmenter, segment_slide, segment_slides):
        names |= {
            parameter.name
            for parameter in inspect.signature(function).parameters.values()
            if parameter.kind is not parameter.VAR_KEYWORD
        }
    return names


def test_every_flag_has_a_keyword_of_the_same_name():
    flags = {flag_keyword(action): action.option_strings
             for action in build_parser()._actions}
    assert {'input_mpp', 'confidence', 'dicom_seg', 'black_background',
            'stain_normalize', 'report', 'out_dir'} <= set(flags)
    missing = {keyword: flag for keyword, flag in flags.items()
               if keyword not in api_keyword_names() | CLI_ONLY}
    assert missing == {}


def test_flags_parse_to_the_keywords_of_their_names():
    args = parse_args(['c.py', 'w.pth', 's.svs', '--out-dir', 'o', *FLAGS,
                       '--stain-normalize'])
    keywords = api_keywords(args)
    for name, value in SETTINGS.items():
        assert keywords[name] == value, name
    assert keywords['stain_normalize'] is True
    assert keywords['channels_last'] is True and keywords['mpp'] is None


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp('model'))[1]


def test_flags_flat_and_structured_keywords_build_one_segmenter(checkpoint):
    args = parse_args([FCN_CONFIG, checkpoint, 's.svs', '--out-dir', 'o',
                       *FLAGS, '--cfg-options'] +
                      [f'{key}={value}'
                       for key, value in TINY_FCN_OPTIONS.items()])
    from_flags = build_segmenter(args, 'cpu')
    model = dict(device='cpu', cfg_options=TINY_FCN_OPTIONS)
    flat = init_slide_segmenter(FCN_CONFIG, checkpoint, **model, **SETTINGS)
    structured = init_slide_segmenter(
        FCN_CONFIG, checkpoint, **model,
        blend=dict(tile=64, stride=32, batch_size=16, mode='mean'),
        resolution=ResolutionSpec(input_magnification=10),
        outputs=dict(confidence_tiff=False, tissue_mask=False,
                     geojson_min_area=8),
        progress=False)
    assert flat.identity == structured.identity == from_flags.identity
    assert flat.resolution.input_magnification == 10
    assert flat.spec.mode == 'mean' and flat.spec.tile == (64, 64)
    assert flat.output_keys == ['labels', 'geojson', 'overlay']
    # a flat keyword wins over the same setting in a structured one
    both = init_slide_segmenter(FCN_CONFIG, checkpoint, **model,
                                resolution=ResolutionSpec(mpp=2.0),
                                input_mpp=0.25, dicom_seg=True)
    assert (both.resolution.mpp, both.resolution.input_mpp) == (2.0, 0.25)
    assert both.outputs.dicom_seg


@pytest.mark.parametrize('keyword, named', [
    ('input_magnificaton', "'input_magnificaton'; did you mean "
     'input_magnification=?'),
    ('no_confidence', "'no_confidence'; did you mean confidence=?"),
    ('blnd', "'blnd'; did you mean blend=?"),
    ('cfg_option', "'cfg_option'; did you mean cfg_options=?"),
    ('zzz', "'zzz'; it takes config, checkpoint, device, amp, cfg_options, "
     'magnification, mpp, input_mpp'),
])
def test_an_unknown_keyword_is_named_with_the_nearest(keyword, named):
    # refused before the model is built (the config need not even exist)
    with pytest.raises(TypeError) as error:
        init_slide_segmenter('missing.py', None, **{keyword: 1})
    assert str(error.value).startswith(
        f'init_slide_segmenter() got an unknown keyword {named}')


def test_the_run_functions_name_the_nearest_keyword_too():
    with pytest.raises(TypeError, match="^segment_slides\\(\\) got an unknown "
                       "keyword 'overwite'; did you mean overwrite=\\?$"):
        segment_slides(None, ['slides/'], 'out', overwite=True)
    with pytest.raises(TypeError, match="'outdir'; did you mean out_dir="):
        segment_slide(None, 'slide.svs', outdir='out')


def test_settings_are_named_as_the_caller_spells_them():
    assert [setting('input_mpp'), setting('input_magnification', 10),
            setting('overwrite', True), setting('confidence', False)] == [
                'input_mpp=', 'input_magnification=10', 'overwrite=True',
                'confidence=False'
            ]
    with spelled_as_flags():
        assert [setting('input_mpp'), setting('input_magnification', 10),
                setting('overwrite', True), setting('confidence', False)] == [
                    '--input-mpp', '--input-magnification 10', '--overwrite',
                    '--no-confidence'
                ]
    assert setting('out_dir') == 'out_dir='


def test_a_failed_slide_reads_in_its_callers_words(tmp_path):
    path = tmp_path / 'region.png'  # no resolution metadata
    cv2.imwrite(str(path), painted_slide(64, 64, []))
    segmenter = SlideSegmenter.from_model(ColourModel(), progress=False)
    (api, ) = run_slides(segmenter, [str(path)], str(tmp_path / 'out'))
    assert api['error'] == (
        f'{path}: no resolution metadata (microns per pixel or objective '
        'power); pass input_mpp= or input_magnification= (e.g. '
        'input_magnification=10 for MTCHI regions)')
    with spelled_as_flags():
        (cli, ) = run_slides(segmenter, [str(path)], str(tmp_path / 'out'))
    assert cli['error'] == (
        f'{path}: no resolution metadata (microns per pixel or objective '
        'power); pass --input-mpp or --input-magnification (e.g. '
        '--input-magnification 10 for MTCHI regions)')


def test_stain_normalize_is_the_flags_way_to_stain():
    assert segmenter_settings(dict(stain_normalize='none'))['stain'] is None
    assert segmenter_settings(dict(stain_normalize=False))['stain'] is None
    default = segmenter_settings(dict(stain_normalize=True))['stain']
    assert default.reference_from == 'default'
    assert 'stain' not in segmenter_settings(dict(stain_normalize=None))
    with pytest.raises(ValueError, match='got stain= and stain_normalize='):
        init_slide_segmenter('missing.py', None, stain=None,
                             stain_normalize=True)
