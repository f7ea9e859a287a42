"""One DICOM series has one output name however it is named, and a DICOM
Segmentation is never taken for a slide.

Before, a series named by its folder in one run and by its files in the
next got two output names and was segmented twice into one ``--out-dir``
(two SEG objects); after ``--dicom-seg`` into the slide's own folder, its
``.seg.dcm`` was taken for a slide when named one by one (and a SEG under
another name always), and failed.
"""
import os

import pytest
from fixtures.dicom_slides import write_dicom_slide
from fixtures.wsi_slides import ColourModel, painted_slide
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from mmseg_hsp.slide_io import collect_slides
from mmseg_hsp.slide_io.dicom import canonical_slide, is_dicom_seg
from mmseg_hsp.wsi.runner import collect_inputs, run_slides
from mmseg_hsp.wsi.segmenter import SlideSegmenter, output_paths

SEGMENTATION = '1.2.840.10008.5.1.4.1.1.66.4'
SMALL = dict(tile=64, stride=32, batch_size=16)


def lesion():
    return painted_slide(256, 320, [(32, 32, 160, 192, (230, 130, 200)),
                                    (64, 96, 64, 64, (200, 0, 0))])


def seg_file(path, meta=True):
    """A minimal DICOM SEG: with a meta header naming its SOP class, or a
    bare dataset whose Modality alone says SEG."""
    ds = Dataset()
    ds.SOPClassUID = SEGMENTATION if meta else '1.2.3'
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = 'SEG'
    ds.SeriesInstanceUID = generate_uid()
    if meta:
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = SEGMENTATION
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.save_as(str(path), enforce_file_format=True)
    else:
        ds.save_as(str(path), implicit_vr=True, little_endian=True)
    return str(path)


def test_a_seg_is_told_by_content_not_by_name(tmp_path):
    files = write_dicom_slide(tmp_path, painted_slide(64, 64, []), levels=1)
    assert not is_dicom_seg(files[0])
    assert is_dicom_seg(seg_file(tmp_path / 'annotations.dcm'))
    assert is_dicom_seg(seg_file(tmp_path / 'bare.dcm', meta=False))


def test_one_series_has_one_name_however_it_is_given(tmp_path):
    folder = tmp_path / 'case-17'
    folder.mkdir()
    files = write_dicom_slide(folder, lesion(), levels=3)
    for given in ([str(folder)], files, [files[2]], [files[1], str(folder)]):
        assert collect_slides(given) == [str(folder)]
    assert {canonical_slide(path) for path in files} == {str(folder)}
    assert output_paths(files[1], 'out')['labels'] == \
        os.path.join('out', 'case-17.labels.tif')
    # two series in a folder: each named by its first file
    export = tmp_path / 'export'
    export.mkdir()
    a = write_dicom_slide(export, lesion(), levels=2, prefix='a_')
    write_dicom_slide(export, lesion()[:128], levels=2, prefix='b_')
    assert canonical_slide(a[1]) == a[0]
    assert collect_slides([a[1]]) == [a[0]]


def test_a_series_named_two_ways_in_two_runs_is_segmented_once(tmp_path):
    folder = tmp_path / 'case-17'
    folder.mkdir()
    files = write_dicom_slide(folder, lesion(), levels=3)
    model = ColourModel()
    segmenter = SlideSegmenter.from_model(model, blend=SMALL, progress=False)
    out = str(tmp_path / 'out')
    [first] = run_slides(segmenter, collect_slides([str(folder)]), out)
    calls = model.calls
    [second] = run_slides(segmenter, collect_slides(files[1:]), out)
    assert (first['status'], second['status']) == ('done', 'skipped')
    assert model.calls == calls
    # the API given a file directly: the same name, the same outputs
    assert segmenter.run(files[2], out)['status'] == 'skipped'
    assert sorted(n for n in os.listdir(out) if n.endswith('.json')) == [
        'case-17.summary.json'
    ]


def test_segs_are_never_inputs_even_named_one_by_one(tmp_path):
    folder = tmp_path / 'case-17'
    folder.mkdir()
    files = write_dicom_slide(folder, lesion(), levels=2)
    seg = seg_file(folder / 'case-17.seg.dcm')
    renamed = seg_file(folder / 'zz.dcm')
    said = []
    assert collect_inputs([str(folder)], said.append) == [str(folder)]
    assert collect_inputs([*files, seg, renamed], said.append) == \
        [str(folder)]
    assert said[-1] == (f'left out 2 DICOM Segmentation(s), which are '
                        f'outputs, not slides: {seg}, {renamed}')


def test_dicom_seg_into_the_slides_folder_then_rerun(tmp_path):
    pytest.importorskip('highdicom', reason='highdicom is not installed '
                        '(pip install highdicom): no DICOM SEG output')
    folder = tmp_path / 'case-17'
    folder.mkdir()
    files = write_dicom_slide(folder, lesion(), levels=2)
    segmenter = SlideSegmenter.from_model(
        ColourModel(), blend=SMALL, outputs=dict(dicom_seg=True),
        progress=False)
    [first] = run_slides(segmenter, collect_inputs([str(folder)]),
                         str(folder))
    assert first['status'] == 'done'
    # a shell's glob of the folder's .dcm files: the SEG is named too
    glob = sorted(str(path) for path in folder.glob('*.dcm'))
    assert str(folder / 'case-17.seg.dcm') in glob
    [second] = run_slides(segmenter, collect_inputs(glob), str(folder))
    assert (second['slide'], second['status']) == (str(folder), 'skipped')
    assert sorted(n for n in os.listdir(folder) if n.endswith('.dcm')) == \
        sorted([os.path.basename(f) for f in files] + ['case-17.seg.dcm'])
