"""``NAME.seg.dcm``: the label map as a DICOM Segmentation of a DICOM slide."""
from ..dicom_seg import DicomSource, write_dicom_seg
from .base import FinishedSlide, SlideOutput, register_output


@register_output
class DicomSeg(SlideOutput):
    """A tiled BINARY DICOM Segmentation referencing the slide's series
    (:mod:`~mmseg_hsp.wsi.dicom_seg`); off by default, and only for DICOM
    slides: another slide is refused before any work."""
    name = 'dicom_seg'
    suffix = '.seg.dcm'
    option = 'dicom_seg'
    summary_keys = ('dicom_seg', )
    help = ('NAME.seg.dcm, a DICOM Segmentation of each DICOM slide (a '
            'slide that is not DICOM fails, in one line)')

    def __init__(self, path: str, slide_path: str):
        super().__init__(path, slide_path)
        self.source = DicomSource.of(slide_path)

    def write(self, slide: FinishedSlide) -> dict:
        return dict(dicom_seg=write_dicom_seg(
            self.path, self.source, slide.maps.labels, slide.class_names,
            slide.palette, slide.region.frame, slide.scale.downsample))
