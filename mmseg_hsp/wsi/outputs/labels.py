"""``NAME.labels.tif``: the label map as a pyramidal palette TIFF."""
from ..writers import write_label_tiff
from .base import FinishedSlide, SlideOutput, register_output


@register_output
class LabelTiff(SlideOutput):
    """The label map, aligned to the slide's level 0, that OpenSlide and
    QuPath open (:func:`~mmseg_hsp.wsi.writers.write_label_tiff`)."""
    name = 'labels'
    suffix = '.labels.tif'

    def write(self, slide: FinishedSlide) -> dict:
        write_label_tiff(self.path, slide.maps.labels, slide.palette,
                         slide.pixel.mpp, slide.description)
        return {}
