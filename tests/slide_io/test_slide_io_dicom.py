"""Issue 11, case 8: a DICOM slide given as its folder is one slide.

A DICOM whole-slide image is a series of ``.dcm`` files (one per level);
every file opens the whole slide in OpenSlide, so running each file did the
work N times and wrote N sets of outputs. The slides here are real DICOM
VL whole-slide series (written with pydicom, read by OpenSlide).
"""
import os

import numpy as np
import openslide
from fixtures.dicom_slides import write_dicom_slide
from fixtures.wsi_slides import ColourModel, colour_labels, painted_slide

from mmseg_hsp.slide_io import collect_slides
from mmseg_hsp.wsi.runner import run_slides
from mmseg_hsp.wsi.segmenter import SlideSegmenter

SMALL = dict(mode='gauss', tile=64, stride=32, batch_size=16)


def lesion():
    return painted_slide(256, 320, [(32, 32, 160, 192, (230, 130, 200)),
                                    (64, 96, 64, 64, (200, 0, 0))])


def test_fixture_is_a_dicom_slide_openslide_reads(tmp_path):
    files = write_dicom_slide(tmp_path, lesion(), mpp=0.25, levels=3)
    for path in files:  # every file opens the whole series
        slide = openslide.OpenSlide(path)
        assert openslide.OpenSlide.detect_format(path) == 'dicom'
        assert slide.level_dimensions == ((320, 256), (160, 128), (80, 64))
        assert float(slide.properties['openslide.mpp-x']) == 0.25


def test_dicom_folder_is_one_slide_named_after_the_folder(tmp_path):
    folder = tmp_path / 'case-17'
    folder.mkdir()
    rgb = lesion()
    write_dicom_slide(folder, rgb, mpp=0.25, levels=3)
    assert collect_slides([str(folder)]) == [str(folder)]
    model = ColourModel()
    out = tmp_path / 'out'
    results = run_slides(SlideSegmenter.from_model(model, blend=SMALL,
                                                   progress=False),
                         collect_slides([str(folder)]), str(out))
    assert [r['status'] for r in results] == ['done']
    assert sorted(os.listdir(out)) == [
        'case-17.confidence.tif', 'case-17.geojson', 'case-17.labels.tif',
        'case-17.overlay.png', 'case-17.summary.json'
    ]
    summary = results[0]
    assert summary['level0_size'] == [320, 256]
    assert summary['analysis']['size'] == [80, 64]  # x10 of 0.25 um/px
    import tifffile
    np.testing.assert_array_equal(
        tifffile.imread(out / 'case-17.labels.tif'),
        colour_labels(rgb[::4, ::4]))


def test_two_series_in_a_folder_are_two_slides(tmp_path):
    folder = tmp_path / 'export'
    folder.mkdir()
    write_dicom_slide(folder, lesion(), levels=2, prefix='a_')
    write_dicom_slide(folder, lesion()[:128], levels=3, prefix='b_')
    (folder / 'notes.png').write_bytes(b'')  # not DICOM: listed as before
    slides = collect_slides([str(folder)])
    assert slides == sorted([
        str(folder / 'a_level0.dcm'), str(folder / 'b_level0.dcm'),
        str(folder / 'notes.png')
    ])
    assert openslide.OpenSlide(slides[1]).level_dimensions[0] == (320, 128)
