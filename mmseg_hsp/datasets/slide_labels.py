"""Label sources of a slide for the patch converter's slide route
(:class:`~.mtchi_patches.SlideSource`): annotation polygons drawn window by
window (:class:`AnnotationLabels`), and a label image of the slide at a
pyramid level's size (:func:`level_mask`).
"""
from typing import Callable, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..annotations import AnnotationSet, ClassPolygon, rasterize_annotations
from ..slide_io.scale import analysis_frame
from .mtchi import check_mtchi_mask
from .mtchi_patches import MaskLabels, SlideGeometry

# MTCHI's convention: what no polygon covers is background, a class.
BACKGROUND = 0
# How far (pixels) a label image's size may be from a level's (rounding).
MASK_SIZE_SLACK = 1


class AnnotationLabels:
    """Annotation polygons drawn window by window at the target scale.

    A window's labels are rasterised when asked for (and kept until the
    next window), so memory holds one window whatever the slide's size.
    Pixels no polygon covers are background (0).

    Args:
        polygons (Sequence[ClassPolygon]): In the file's level-0 pixels.
        class_index (Mapping[str, int]): Class of each drawn name.
        downsample (float): Level-0 pixels per target pixel.
        origin (tuple[float, float]): Level-0 ``(x, y)`` of the file's
            ``(0, 0)`` (QuPath's frame of a cropped slide).
    """

    def __init__(self,
                 polygons: Sequence[ClassPolygon],
                 class_index: Mapping[str, int],
                 downsample: float,
                 origin: Tuple[float, float] = (0.0, 0.0)) -> None:
        self.polygons = [p for p in polygons if p.name in class_index]
        self.class_index = class_index
        self.downsample = downsample
        self.origin = origin
        self.bounds = np.array([p.bounds for p in self.polygons],
                                np.float64).reshape(-1, 4)
        self._window, self._labels = None, None

    def read(self, y: int, x: int, side: int) -> np.ndarray:
        """The labels of a window at the target scale."""
        if self._window != (y, x, side):
            d = self.downsample
            x0, y0 = x * d - self.origin[0], y * d - self.origin[1]
            b = self.bounds
            near = np.flatnonzero((b[:, 0] < x0 + side * d) & (b[:, 2] > x0)
                                  & (b[:, 1] < y0 + side * d)
                                  & (b[:, 3] > y0))
            self._labels = rasterize_annotations(
                [self.polygons[i] for i in near],
                self.class_index, (x0, y0, side * d, side * d),
                d,
                fill=BACKGROUND)
            self._window = (y, x, side)
        return self._labels

    def annotated_share(self, y: int, x: int, side: int) -> float:
        """Share of annotated (label != 0) pixels in a window."""
        return np.count_nonzero(self.read(y, x, side)) / (side * side)


def annotation_labels(annotations: AnnotationSet,
                      class_index: Mapping[str, int],
                      qupath_frame: bool,
                      warn: Callable[[str], None],
                      name: str,
                      slide: SlideGeometry) -> AnnotationLabels:
    """The label source of a slide's annotations; polygons reaching past
    the slide are said (clipped, or left out when wholly outside).

    Args:
        annotations (AnnotationSet): The slide's file, read.
        class_index (Mapping[str, int]): Class of each drawn name.
        qupath_frame (bool): GeoJSON coordinates are relative to the frame
            QuPath shows (:func:`~mmseg_hsp.slide_io.scale.analysis_frame`),
            not to OpenSlide's level 0.
        warn (Callable[[str], None]): Told the line about the slide's edge.
        name (str): The annotation file, named in that line.
        slide (SlideGeometry): The slide.

    Returns:
        AnnotationLabels: For :class:`~.mtchi_patches.SlideSource`.
    """
    origin = (0.0, 0.0)
    if qupath_frame and annotations.format == 'geojson':
        origin = tuple(map(float, analysis_frame(slide.reader)[:2]))
    labels = AnnotationLabels(annotations.polygons, class_index,
                              slide.downsample, origin)
    width, height = slide.reader.level_dimensions[0]
    b = labels.bounds + np.tile(origin, 2)
    outside = (b[:, 2] <= 0) | (b[:, 0] >= width) | (b[:, 3] <= 0) | \
        (b[:, 1] >= height)
    past = (b[:, 0] < 0) | (b[:, 1] < 0) | (b[:, 2] > width) | \
        (b[:, 3] > height)
    if past.any():
        warn(f'{name}: {int(outside.sum())} polygons outside slide '
             f'{slide.path} ({width}x{height}) left out, '
             f'{int((past & ~outside).sum())} reaching past its edge '
             'clipped; check that the file belongs to this slide')
    return labels


def level_mask(mask_path: str, mask_downsample: Optional[float],
               num_classes: int, slide: SlideGeometry) -> MaskLabels:
    """The label source of a label image of a slide.

    Its downsample from level 0 is ``mask_downsample`` when given, else the
    one of the pyramid level whose size it has (within a pixel).

    Args:
        mask_path (str): The label image (class indices).
        mask_downsample (float, optional): Level-0 pixels per mask pixel.
        num_classes (int): Labels must lie in ``[0, num_classes)``.
        slide (SlideGeometry): The slide.

    Returns:
        MaskLabels: For :class:`~.mtchi_patches.SlideSource`.

    Raises:
        ValueError: One line: unreadable, bad labels, or a size that fits
            no level (or not the stated downsample).
    """
    mask = check_mtchi_mask(
        cv2.imread(mask_path, cv2.IMREAD_UNCHANGED),
        mask_path,
        num_classes=num_classes)
    height, width = mask.shape
    level0 = slide.reader.level_dimensions[0]

    def fits(downsample):
        return all(
            abs(n - full / downsample) <= MASK_SIZE_SLACK
            for n, full in ((width, level0[0]), (height, level0[1])))

    if mask_downsample is not None:
        if not fits(mask_downsample):
            raise ValueError(
                f'{mask_path}: mask is {width}x{height}, not slide '
                f'{slide.path} ({level0[0]}x{level0[1]}) at --mask-downsample '
                f'{mask_downsample:g} ({level0[0] / mask_downsample:.0f}x'
                f'{level0[1] / mask_downsample:.0f})')
        downsample = mask_downsample
    else:
        found = [
            d for d in slide.reader.level_downsamples if fits(d)
        ]
        if not found:
            levels = ', '.join(f'{w}x{h}'
                               for w, h in slide.reader.level_dimensions)
            raise ValueError(
                f'{mask_path}: mask is {width}x{height}, which fits no level '
                f'of slide {slide.path} ({levels}); give its downsample '
                'with --mask-downsample')
        downsample = found[0]
    return MaskLabels(mask, slide.downsample / downsample)
