"""``NAME.summary.json``: what was done, written last: it marks the slide
done."""
from ..writers import write_json
from .base import FinishedSlide, SlideOutput, register_output


@register_output
class SummaryJson(SlideOutput):
    """The summary (:meth:`~mmseg_hsp.wsi.SlideSegmenter.run` says what it
    holds), after every other output and its size: a rerun finds the slide
    finished only when it exists and every output has the size it
    records."""
    name = 'summary'
    suffix = '.summary.json'
    last = True

    def write(self, slide: FinishedSlide) -> dict:
        write_json(self.path, slide.summary)
        return {}
