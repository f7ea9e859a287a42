"""The output files of a slide, one module each, registered in the order
they are written (see :mod:`.base`)."""
from . import labels, geojson, overlay, confidence, dicom_seg  # noqa: F401
from . import summary  # noqa: F401 (last: it marks a slide done)
from .base import (SLIDE_OUTPUTS, FinishedSlide, SlideOutput, output_paths,
                   output_stem, register_output, slide_outputs)

__all__ = [
    'SLIDE_OUTPUTS', 'FinishedSlide', 'SlideOutput', 'output_paths',
    'output_stem', 'register_output', 'slide_outputs'
]
