"""The lesion map as a DICOM Segmentation of the DICOM slide it came from.

Hospitals keep slides as DICOM whole-slide images (VL Whole Slide
Microscopy series); a DICOM Segmentation (SEG) of such a slide goes back
into the same archive and viewers (Slim, QuPath's DICOM support...) show it
over the slide. It is written with highdicom:

* ``BINARY`` segments, one per class other than background (Normal, CIN1,
  CIN2, CIN3 for the MTCHI models), from the label map: the segments do not
  overlap and each pixel is in the segment of its arg-max class. (A
  ``FRACTIONAL`` SEG of the probabilities would need every class's score at
  the analysis level, which the pipeline does not keep: it streams labels
  and the confidence of the label only.)
* Tiled (``TILED_SPARSE``: empty tiles are left out) at the analysis level,
  with its own pixel spacing (the source's times the analysis downsample),
  positioned in the slide coordinate system of the source's level 0, which
  it references (same study, frame of reference and source image).
* Segment labels are the class names, and each segment's recommended
  display colour (CIE Lab) is the class's colour in the other outputs
  (:attr:`~mmseg_hsp.wsi.SlideClasses.output_palette`). Their property
  types use a private coding scheme (``99MMSEGHSP``), declared in the
  Coding Scheme Identification Sequence as DICOM asks of a private scheme:
  a model's class is not claimed to be any SNOMED CT concept. The category
  is SNOMED CT 85756007 *Tissue*.
* The pixel measures are the source's pixel spacing scaled to the level
  written; its slice thickness is the source's when positive (a WSI may
  hold 0, which the SEG's pixel measures may not), else the source's
  imaged volume depth, else :data:`DEFAULT_THICKNESS_MM`.

An analysis-level label map wider or taller than :data:`SEG_MAX_SIDE` is
written at the finest label-pyramid level within it (highdicom encodes a
SEG from the whole map in memory); ``summary['dicom_seg']`` says which.
"""
import logging
import os
import os.path as osp
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from ..fileio import atomic_output
from ..optional import import_extra
from ..setting_names import setting
from ..version import __version__
from ..slide_io.dicom import DICOM_EXTENSION
from .writers import LabelPyramid

VL_WHOLE_SLIDE_MICROSCOPY = '1.2.840.10008.5.1.4.1.1.77.1.6'
# The largest side of the label map written into a SEG (see above).
SEG_MAX_SIDE = 16384
LOCAL_SCHEME = '99MMSEGHSP'
# The slice thickness written when the source gives no positive one: 1 um
# (histology sections are a few um thick; the value is nominal).
DEFAULT_THICKNESS_MM = 0.001
# Where a WSI's pixel matrix lies on the slide (type 1 in its IOD).
PLACEMENT = ('ImageOrientationSlide', 'TotalPixelMatrixOriginSequence')
# Patient and study attributes a SEG copies from its source: DICOM type 2
# (present, possibly empty). Exports that leave them out get them empty.
COPIED_TYPE2 = ('PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex',
                'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber',
                'ReferringPhysicianName')


@dataclass
class DicomSource:
    """The level 0 of a DICOM whole-slide image, its header only.

    Args:
        path (str): The level-0 ``.dcm`` file.
        dataset (pydicom.Dataset): Its header (no pixel data).
    """
    path: str
    dataset: object

    @classmethod
    def of(cls, slide_path: str) -> 'DicomSource':
        """The level 0 of the series a slide belongs to.

        Args:
            slide_path (str): A ``.dcm`` file of the series, or a folder
                holding the series.

        Returns:
            DicomSource: The series' largest VOLUME image.

        Raises:
            ValueError: In one line, if the slide is not a DICOM
                whole-slide image.
        """
        folder = slide_path if osp.isdir(slide_path) else \
            osp.dirname(slide_path)
        first = _wsi_header(slide_path) if osp.isfile(slide_path) else None
        if first is None and osp.isdir(slide_path):
            first = next(
                filter(None, map(_wsi_header, _dicom_files(slide_path))),
                None)
        if first is None:
            raise ValueError(
                f'{slide_path}: {setting("dicom_seg", True)} needs a DICOM '
                'whole-slide image (a VL Whole Slide Microscopy .dcm series) '
                f'and this slide is not one; run it without '
                f'{setting("dicom_seg", True)}')
        levels = [
            (path, header) for path, header in (
                (path, _wsi_header(path)) for path in _dicom_files(folder))
            if header is not None and header.SeriesInstanceUID ==
            first.SeriesInstanceUID and 'VOLUME' in header.ImageType
        ]
        path, header = max(levels,
                           key=lambda level: level[1].TotalPixelMatrixColumns)
        missing = [
            keyword for keyword in PLACEMENT if keyword not in header
        ]
        if missing:
            raise ValueError(
                f'{path}: has no {" or ".join(missing)}, so a segmentation '
                'cannot be placed on the slide; run it without '
                f'{setting("dicom_seg", True)}')
        for keyword in COPIED_TYPE2:
            if keyword not in header:
                setattr(header, keyword, '')
        return cls(path, header)

    @property
    def _measures(self):
        return self.dataset.SharedFunctionalGroupsSequence[0]\
            .PixelMeasuresSequence[0]

    @property
    def pixel_spacing(self) -> Tuple[float, float]:
        """tuple[float, float]: Level 0's (row, column) spacing in mm."""
        return tuple(float(value) for value in self._measures.PixelSpacing)

    @property
    def slice_thickness(self) -> float:
        """float: A positive slice thickness in mm: the source's, else its
        imaged volume depth, else :data:`DEFAULT_THICKNESS_MM`."""
        for value in (self._measures.get('SliceThickness'),
                      self.dataset.get('ImagedVolumeDepth')):
            try:
                if value is not None and float(value) > 0:
                    return float(value)
            except (TypeError, ValueError):  # an empty or malformed DS
                pass
        return DEFAULT_THICKNESS_MM


def _dicom_files(folder: str):
    """The ``.dcm`` files of a folder, sorted."""
    return [
        osp.join(folder, name) for name in sorted(os.listdir(folder))
        if name.lower().endswith(DICOM_EXTENSION)
    ]


def _wsi_header(path: str):
    """The header of a VL Whole Slide Microscopy file, else None."""
    import pydicom
    try:
        header = pydicom.dcmread(path, stop_before_pixels=True)
    except Exception:  # not DICOM at all: the caller says what was wanted
        return None
    return header if header.get('SOPClassUID') == \
        VL_WHOLE_SLIDE_MICROSCOPY else None


@contextmanager
def _quiet():
    """Keep highdicom's and pydicom's warnings and log lines (about values
    they fix up or defaults they take) off the tool's console."""
    loggers = [logging.getLogger(name) for name in ('highdicom', 'pydicom')]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


def write_dicom_seg(path: str, source: DicomSource, pyramid: LabelPyramid,
                    class_names: Sequence[str],
                    palette: Sequence[Sequence[int]],
                    frame: Sequence[int], downsample: float,
                    model_name: Optional[str] = None) -> dict:
    """Write the label map as a tiled BINARY DICOM Segmentation.

    Args:
        path (str): The ``.dcm`` file (written atomically).
        source (DicomSource): The slide's level 0.
        pyramid (LabelPyramid): The finished label pyramid.
        class_names (Sequence[str]): Names of the label values; every value
            but 0 (background) is a segment, numbered as the value.
        palette (Sequence[Sequence[int]]): RGB of each label value, the
            segments' recommended display colours.
        frame (Sequence[int]): ``(x, y, w, h)`` level-0 frame of the label
            map; DICOM slides are analysed whole, from ``(0, 0)``.
        downsample (float): Level-0 pixels per label pixel.
        model_name (str, optional): Names the algorithm. Defaults to
            ``'mmseg_hsp'``.

    Returns:
        dict: ``level`` (label-pyramid level written), ``pixel_spacing_mm``,
        ``segments`` and the new ``series_uid``, for the summary.
    """
    hd = import_extra('highdicom', 'wsi')
    if tuple(frame[:2]) != (0, 0):
        raise ValueError(f'{source.path}: the analysed frame starts at '
                         f'{tuple(frame[:2])}, not at the DICOM total pixel '
                         f'matrix origin; {setting("dicom_seg", True)} '
                         'cannot place it')
    level = pyramid.finest_level_within(SEG_MAX_SIDE)
    spacing = [value * downsample * 2**level
               for value in source.pixel_spacing]
    with _quiet():
        seg, segments = _segmentation(hd, source, pyramid.level(level),
                                      class_names, palette, spacing,
                                      model_name)
        with atomic_output(path) as partial:
            seg.save_as(partial)
    return dict(level=level,
                pixel_spacing_mm=spacing,
                segments=[segment.SegmentLabel for segment in segments],
                series_uid=str(seg.SeriesInstanceUID))


def _segmentation(hd, source: DicomSource, labels, class_names, palette,
                  spacing, model_name):
    """The highdicom Segmentation and its segment descriptions."""
    from pydicom.sr.codedict import codes
    from pydicom.sr.coding import Code
    algorithm = hd.AlgorithmIdentificationSequence(
        name=model_name or 'mmseg_hsp',
        family=codes.cid7162.ArtificialIntelligence,
        version=__version__)
    segments = [
        hd.seg.SegmentDescription(
            segment_number=value,
            segment_label=name,
            segmented_property_category=codes.SCT.Tissue,
            segmented_property_type=Code(name.upper()[:16], LOCAL_SCHEME,
                                         name),
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
            algorithm_identification=algorithm,
            display_color=hd.color.CIELabColor.from_rgb(*palette[value]))
        for value, name in enumerate(class_names) if value
    ]
    seg = hd.seg.Segmentation(
        source_images=[source.dataset],
        pixel_array=labels,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=segments,
        series_instance_uid=hd.UID(),
        series_number=100,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer='mmseg_hsp',
        manufacturer_model_name=model_name or 'mmseg_hsp',
        software_versions=__version__,
        device_serial_number='none',
        content_label='LESIONS',
        content_description='Cervical lesion map (HSP-Net, mmseg_hsp)',
        pixel_measures=hd.PixelMeasuresSequence(
            pixel_spacing=spacing, slice_thickness=source.slice_thickness),
        coding_schemes=[
            hd.coding_schemes.CodingSchemeIdentificationItem(
                designator=LOCAL_SCHEME,
                name='mmseg_hsp model class names',
                responsible_organization='mmseg_hsp')
        ],
        tile_pixel_array=True)
    # General Image's Patient Orientation is type 2C, required (possibly
    # empty) for images in the slide coordinate system; highdicom leaves
    # it out, and dciodvfy reports that as an error.
    if 'PatientOrientation' not in seg:
        seg.PatientOrientation = ''
    return seg, segments
