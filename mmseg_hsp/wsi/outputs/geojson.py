"""``NAME.geojson``: the lesion regions as QuPath annotations."""
import os.path as osp

from ..writers import GEOJSON_MAX_SIDE, write_geojson
from .base import FinishedSlide, SlideOutput, register_output


@register_output
class GeoJson(SlideOutput):
    """Per-class region polygons with their measurements, traced on the
    finest label-pyramid level within :data:`GEOJSON_MAX_SIDE`
    (:func:`~mmseg_hsp.wsi.writers.write_geojson`)."""
    name = 'geojson'
    suffix = '.geojson'

    def write(self, slide: FinishedSlide) -> dict:
        level = slide.maps.labels.finest_level_within(GEOJSON_MAX_SIDE)
        spec = slide.spec
        origin = tuple(slide.region.frame[:2]) \
            if spec.geojson_origin == 'openslide' else (0, 0)
        per_class = {}
        features = write_geojson(
            self.path, slide.label_level(level),
            slide.scale.downsample * 2**level, origin,
            # the dataset's names, as every other output spells them
            slide.class_names,
            slide.palette,
            spec.geojson_min_area / 4**level,
            um_per_pixel=slide.pixel.mpp * 2**level,
            confidence=slide.maps.confidence.level(level),
            id_prefix=osp.basename(slide.reader.path),
            tally=per_class)
        return dict(geojson_features=features,
                    geojson_features_per_class={
                        name: per_class.get(value, 0)
                        for value, name in enumerate(slide.class_names)
                        if value
                    },
                    geojson_origin=spec.geojson_origin)
