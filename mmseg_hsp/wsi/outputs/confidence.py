"""``NAME.confidence.tif``: the confidence layer as a pyramidal TIFF."""
from ..confidence import CONFIDENCE_VALUES
from ..writers import write_confidence_tiff
from .base import FinishedSlide, SlideOutput, register_output


@register_output
class ConfidenceTiff(SlideOutput):
    """Per pixel the blended probability of its class, the label map's
    pyramid (:mod:`~mmseg_hsp.wsi.confidence`); on by default."""
    name = 'confidence'
    suffix = '.confidence.tif'
    option = 'confidence_tiff'
    help = ('NAME.confidence.tif: per pixel the blended probability of the '
            'labelled class, a pyramidal TIFF beside the label map (its '
            'figures are in the summary and the GeoJSON either way)')

    def write(self, slide: FinishedSlide) -> dict:
        write_confidence_tiff(
            self.path, slide.maps.confidence, slide.pixel.mpp,
            dict(slide.description, values=CONFIDENCE_VALUES))
        return {}
