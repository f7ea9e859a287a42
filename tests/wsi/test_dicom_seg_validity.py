"""The DICOM SEG passes dciodvfy for any source pixel measures, carries the
outputs' colours and declares its private coding scheme, quietly."""
import shutil
import subprocess
import warnings

import pydicom
import pytest
from fixtures.dicom_slides import write_dicom_slide
from fixtures.wsi_slides import ColourModel, painted_slide

from mmseg_hsp.wsi.dicom_seg import DEFAULT_THICKNESS_MM, LOCAL_SCHEME
from mmseg_hsp.wsi.segmenter import SlideSegmenter

hd = pytest.importorskip('highdicom', reason='highdicom is not installed '
                         '(pip install highdicom): no DICOM SEG output')
DCIODVFY = shutil.which('dciodvfy')
PINK, GREEN, BLUE, RED = (230, 130, 200), (0, 200, 0), (0, 0, 200), (200, 0,
                                                                     0)


def edit_measures(paths, kind):
    """Give every level of the source the pixel measures of ``kind``."""
    for path in paths:
        ds = pydicom.dcmread(path)
        measures = ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[
            0]
        if kind == 'zero':  # legal in a WSI, not in a SEG's pixel measures
            measures.SliceThickness = 0
            ds.ImagedVolumeDepth = 0
        elif kind == 'missing':
            del measures.SliceThickness
            del ds.ImagedVolumeDepth
        elif kind == 'depth only':
            del measures.SliceThickness
            ds.ImagedVolumeDepth = 0.004
        else:  # odd: non-square pixels, exponent notation
            spacing = [float(v) for v in measures.PixelSpacing]
            measures.PixelSpacing = [spacing[0], spacing[1] * 1.0016]
            measures.SliceThickness = '3.5e-3'
        ds.save_as(path)


@pytest.fixture(scope='module', params=['zero', 'missing', 'depth only',
                                        'odd'])
def seg_of(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp('seg')
    (folder / 'case').mkdir()
    rgb = painted_slide(128, 160, [(8, 8, 112, 144, PINK),
                                   (16, 16, 32, 48, GREEN),
                                   (64, 16, 32, 32, BLUE),
                                   (32, 96, 48, 48, RED)])
    odd = request.param == 'odd'
    edit_measures(write_dicom_slide(folder / 'case', rgb,
                                    mpp=0.2527 if odd else 0.25, levels=2),
                  request.param)
    segmenter = SlideSegmenter.from_model(
        ColourModel(), blend=dict(tile=64, stride=32, batch_size=16),
        outputs=dict(dicom_seg=True), progress=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        summary = segmenter.run(str(folder / 'case'), str(folder / 'out'))
    return request.param, summary, segmenter, caught


@pytest.mark.skipif(DCIODVFY is None,
                    reason='dciodvfy is not installed (Debian: apt-get '
                    'install dicom3tools); the SEG is not validated')
def test_dciodvfy_reports_no_error(seg_of):
    _, summary, _, _ = seg_of
    result = subprocess.run([DCIODVFY, summary['outputs']['dicom_seg']],
                            capture_output=True, text=True, timeout=120)
    report = result.stdout + result.stderr
    assert 'Segmentation' in report
    assert [line for line in report.splitlines()
            if line.startswith('Error')] == [], report


def test_slice_thickness_is_positive(seg_of):
    kind, summary, _, _ = seg_of
    seg = pydicom.dcmread(summary['outputs']['dicom_seg'])
    measures = seg.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0]
    assert float(measures.SliceThickness) == pytest.approx({
        'zero': DEFAULT_THICKNESS_MM, 'missing': DEFAULT_THICKNESS_MM,
        'depth only': 0.004, 'odd': 0.0035}[kind], rel=1e-6)  # depth: FL


def test_segments_carry_the_output_colours_and_a_declared_scheme(seg_of):
    _, summary, segmenter, _ = seg_of
    seg = pydicom.dcmread(summary['outputs']['dicom_seg'])
    palette = segmenter.classes.output_palette
    for segment in seg.SegmentSequence:
        expected = hd.color.CIELabColor.from_rgb(
            *palette[segment.SegmentNumber]).value
        assert tuple(segment.RecommendedDisplayCIELabValue) == expected
        code = segment.SegmentedPropertyTypeCodeSequence[0]
        assert code.CodingSchemeDesignator == LOCAL_SCHEME
    (scheme, ) = seg.CodingSchemeIdentificationSequence
    assert scheme.CodingSchemeDesignator == LOCAL_SCHEME
    assert scheme.CodingSchemeName


def test_no_library_warnings(seg_of):
    _, _, _, caught = seg_of
    noise = [str(w.message) for w in caught
             if any(lib in w.filename for lib in ('highdicom', 'pydicom'))]
    assert noise == []
