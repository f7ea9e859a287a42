"""Issue 22: the lesion map as a DICOM Segmentation of a DICOM slide."""
import shutil
import subprocess

import numpy as np
import pytest
import tifffile
from fixtures.dicom_slides import write_dicom_slide
from fixtures.wsi_slides import ColourModel, painted_slide, write_pyramid

from mmseg_hsp.wsi.runner import run_slides
from mmseg_hsp.wsi.segmenter import SlideSegmenter

hd = pytest.importorskip('highdicom', reason='highdicom is not installed '
                         '(pip install highdicom): no DICOM SEG output')
DCIODVFY = shutil.which('dciodvfy')
PINK, GREEN, BLUE, RED = (230, 130, 200), (0, 200, 0), (0, 0, 200), (200, 0,
                                                                     0)


def lesion():
    return painted_slide(256, 320, [(16, 16, 224, 288, PINK),
                                    (32, 32, 64, 96, GREEN),
                                    (128, 32, 64, 64, BLUE),
                                    (64, 192, 96, 96, RED)])


def segmenter(**outputs):
    return SlideSegmenter.from_model(
        ColourModel(), blend=dict(tile=64, stride=32, batch_size=16),
        outputs=dict(dicom_seg=True, **outputs), progress=False)


@pytest.fixture(scope='module')
def seg_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp('dicom')
    slide = folder / 'case-9'
    slide.mkdir()
    write_dicom_slide(slide, lesion(), mpp=0.25, levels=3)
    summary = segmenter().run(str(slide), str(folder / 'out'))
    return summary, slide


def test_seg_reads_back_with_highdicom(seg_run):
    summary, slide = seg_run
    import pydicom
    seg = hd.seg.segread(summary['outputs']['dicom_seg'])
    source = pydicom.dcmread(str(slide / 'level0.dcm'),
                             stop_before_pixels=True)
    assert seg.SOPClassUID == '1.2.840.10008.5.1.4.1.1.66.4'
    assert seg.SegmentationType == 'BINARY'
    assert [s.SegmentLabel for s in seg.SegmentSequence] == [
        'normal', 'CIN1', 'CIN2', 'CIN3'
    ]
    # it references the slide's study, series and level-0 image
    assert seg.StudyInstanceUID == source.StudyInstanceUID
    assert seg.FrameOfReferenceUID == source.FrameOfReferenceUID
    referenced = seg.ReferencedSeriesSequence[0]
    assert referenced.SeriesInstanceUID == source.SeriesInstanceUID
    assert referenced.ReferencedInstanceSequence[0].ReferencedSOPInstanceUID \
        == source.SOPInstanceUID
    # tiled at the analysis level (x10 of 0.25 um/px: 1 um = 0.001 mm)
    spacing = seg.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[
        0].PixelSpacing
    assert [float(v) for v in spacing] == [0.001, 0.001]
    assert (seg.TotalPixelMatrixRows, seg.TotalPixelMatrixColumns) == (64,
                                                                       80)
    labels = tifffile.imread(summary['outputs']['labels'])
    assert np.unique(labels).tolist() == [0, 1, 2, 3, 4]
    pixels = seg.get_total_pixel_matrix(combine_segments=True)
    np.testing.assert_array_equal(pixels, labels)
    assert summary['dicom_seg']['segments'] == ['normal', 'CIN1', 'CIN2',
                                                'CIN3']


@pytest.mark.skipif(DCIODVFY is None,
                    reason='dciodvfy is not installed (Debian: apt-get '
                    'install dicom3tools); the SEG is not validated')
def test_seg_passes_dciodvfy_without_errors(seg_run):
    summary, _ = seg_run
    result = subprocess.run([DCIODVFY, summary['outputs']['dicom_seg']],
                            capture_output=True, text=True, timeout=120)
    report = result.stdout + result.stderr
    errors = [line for line in report.splitlines()
              if line.startswith('Error')]
    assert errors == [], report
    assert 'Segmentation' in report  # it validated the SEG IOD


def test_dicom_seg_on_a_non_dicom_slide_fails_in_one_line(tmp_path):
    write_pyramid(tmp_path / 'slide.tif', lesion(), mpp=0.25, levels=2)
    results = run_slides(segmenter(), [str(tmp_path / 'slide.tif')],
                         str(tmp_path / 'out'))
    (result, ) = results
    assert result['status'] == 'failed'
    assert 'dicom_seg=True needs a DICOM whole-slide image' in \
        result['error']
    assert '\n' not in result['error']
    assert not (tmp_path / 'out').exists() or not any(
        p.name.startswith('slide.') for p in (tmp_path / 'out').iterdir())
