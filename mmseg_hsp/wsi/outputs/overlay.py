"""``NAME.overlay.png``: the slide with its classes, beside the label map."""
import cv2

from ...slide_io import ScaledRegion
from ..writers import (GEOJSON_MAX_SIDE, OVERLAY_MAX_SIDE, fit_size,
                       render_overlay, write_png)
from .base import FinishedSlide, SlideOutput, register_output


@register_output
class OverlayPng(SlideOutput):
    """A thumbnail within :data:`OVERLAY_MAX_SIDE` of the slide with its
    classes blended in, beside the label map alone
    (:func:`~mmseg_hsp.wsi.writers.render_overlay`)."""
    name = 'overlay'
    suffix = '.overlay.png'

    def write(self, slide: FinishedSlide) -> dict:
        region = slide.region
        height, width = fit_size(region.size, OVERLAY_MAX_SIDE)
        thumbnail = ScaledRegion(
            slide.reader, region.downsample *
            max(region.size[0] / height, region.size[1] / width),
            region.frame)
        rgb = cv2.resize(thumbnail.read(0, 0, *thumbnail.size),
                         (width, height),
                         interpolation=cv2.INTER_AREA)
        # From the level the GeoJSON traces (read once for both).
        labels = slide.label_level(
            slide.maps.labels.finest_level_within(GEOJSON_MAX_SIDE))
        small = cv2.resize(labels, (width, height),
                           interpolation=cv2.INTER_NEAREST)
        write_png(self.path, render_overlay(rgb, small, slide.palette))
        return {}
