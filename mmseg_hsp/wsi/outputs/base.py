"""One output file of a slide, and the registry the pipeline reads them from.

A :class:`SlideOutput` says its name (its key in ``summary['outputs']``),
its file suffix, the :class:`~mmseg_hsp.wsi.OutputSpec` field that
switches it on (or none: always written), its flag's help, and how it is
written: band by band while the slide runs (:meth:`SlideOutput.add_band`)
and/or at the end from the finished label map
(:meth:`SlideOutput.write`, which returns what it adds to the summary).
:data:`SLIDE_OUTPUTS` is the one list of them: the segmenter's loop, the
output paths, which outputs a rerun finds finished, the suffixes a folder
listing leaves out of the slide inputs, and the ``tools/infer_wsi.py``
switches (``--no-confidence``, ``--dicom-seg``) all read it.

Adding an output is one module that defines and registers a subclass
(:func:`register_output`), imported in :mod:`mmseg_hsp.wsi.outputs`, and,
when it is optional, its switch in :class:`~mmseg_hsp.wsi.OutputSpec`.
"""
import os.path as osp
from functools import cached_property
from typing import Dict, List, Optional, Tuple, Type

import numpy as np

from ...slide_io.dicom import canonical_slide
from ...version import __version__
from ..areas import PixelSize
from ..classes import SlideClasses
from ..writers import SlideMaps

# name -> output class, in the order they are written (the one marking a
# slide done, the summary, last whatever registers after it).
SLIDE_OUTPUTS: Dict[str, Type['SlideOutput']] = {}


class FinishedSlide:
    """A slide's finished label map and what it was read from: what every
    output is written from.

    Args:
        reader (SlideReader): The open slide.
        region (ScaledRegion): The analysis frame at the analysis
            resolution.
        scale (SlideScale): The analysis resolution.
        maps (SlideMaps): The finished label and confidence pyramids.
        pixel (PixelSize): The pixel size of the areas.
        classes (SlideClasses): Class names and colours.
        spec (OutputSpec): The output settings.

    Attributes:
        summary (dict): The summary so far: what the segmenter records,
            then what each output added (the summary output writes it).
    """

    def __init__(self, reader, region, scale, maps: SlideMaps,
                 pixel: PixelSize, classes: SlideClasses, spec):
        self.reader = reader
        self.region = region
        self.scale = scale
        self.maps = maps
        self.pixel = pixel
        self.classes = classes
        self.spec = spec
        self.summary = {}
        self._level = (None, None)

    @property
    def class_names(self) -> List[str]:
        """list[str]: Names of the label values."""
        return self.classes.names

    @cached_property
    def palette(self) -> List[List[int]]:
        """list[list[int]]: The colours the outputs draw the classes in."""
        return self.classes.output_palette

    @cached_property
    def description(self) -> dict:
        """dict: What a TIFF's description records of the label map."""
        return dict(software=f'mmseg_hsp {__version__}',
                    slide=osp.basename(self.reader.path),
                    classes=self.class_names,
                    level0_downsample=self.scale.downsample,
                    level0_offset=list(self.region.frame[:2]),
                    mpp=self.pixel.mpp,
                    mpp_source=self.pixel.source)

    def label_level(self, k: int) -> np.ndarray:
        """Level ``k`` of the label pyramid, read once for the outputs
        that draw from the same level (GeoJSON and overlay)."""
        if self._level[0] != k:
            self._level = (k, self.maps.labels.level(k))
        return self._level[1]


class SlideOutput:
    """One output file of a slide; an instance writes one slide's.

    Subclasses set the class attributes, implement :meth:`write` and are
    registered with :func:`register_output`.

    Args:
        path (str): The file to write.
        slide_path (str): The slide. A subclass that cannot be written for
            some slides refuses them here, in one line, before any work.

    Attributes:
        name (str): Its key in ``summary['outputs']`` and
            ``summary['output_bytes']``; as a keyword and flag, its switch.
        suffix (str): Its file is the slide's name without extension plus
            this.
        option (str | None): The :class:`~mmseg_hsp.wsi.OutputSpec` field
            that switches it on; None: always written.
        help (str): What ``tools/infer_wsi.py``'s switch says of it.
        summary_keys (tuple[str]): Keys it adds to the summary that are
            there, None, when it is off (so that readers need not test
            for them).
        last (bool): Written after every other output and the timings:
            the summary, whose presence marks the slide done.
    """
    name: str = ''
    suffix: str = ''
    option: Optional[str] = None
    help: str = ''
    summary_keys: Tuple[str, ...] = ()
    last: bool = False

    def __init__(self, path: str, slide_path: str):
        self.path = path

    @classmethod
    def enabled(cls, spec) -> bool:
        """Whether ``spec`` (an :class:`~mmseg_hsp.wsi.OutputSpec`) asks
        for this output."""
        return cls.option is None or bool(getattr(spec, cls.option, False))

    def add_band(self, labels: np.ndarray, confidence: np.ndarray) -> None:
        """Take the next rows of the label map while the slide runs.

        Args:
            labels (np.ndarray): ``(h, W)`` uint8 labels, in order.
            confidence (np.ndarray): ``(h, W)`` uint8 stored confidence
                (:mod:`~mmseg_hsp.wsi.confidence`).
        """

    def write(self, slide: FinishedSlide) -> dict:
        """Write the file (atomically: :func:`~mmseg_hsp.fileio.atomic_output`).

        Args:
            slide (FinishedSlide): The finished slide.

        Returns:
            dict: What it adds to the summary (may be empty).
        """
        raise NotImplementedError


def register_output(kind: Type[SlideOutput]) -> Type[SlideOutput]:
    """Register an output (a class decorator).

    Args:
        kind (type[SlideOutput]): The output.

    Returns:
        type[SlideOutput]: ``kind``.

    Raises:
        ValueError: If its name or suffix is taken (two outputs would
            write one file).
    """
    for other in SLIDE_OUTPUTS.values():
        if kind.name == other.name or kind.suffix == other.suffix:
            raise ValueError(f'output {kind.name!r} ({kind.suffix}) clashes '
                             f'with {other.name!r} ({other.suffix}); give '
                             'it another name and suffix')
    SLIDE_OUTPUTS[kind.name] = kind
    return kind


def slide_outputs(spec=None) -> List[Type[SlideOutput]]:
    """The registered outputs in the order they are written.

    Args:
        spec (OutputSpec, optional): Only those it asks for. Defaults to
            all.

    Returns:
        list[type[SlideOutput]]: Those marking the slide done last.
    """
    kinds = sorted(SLIDE_OUTPUTS.values(), key=lambda kind: kind.last)
    return [kind for kind in kinds if spec is None or kind.enabled(spec)]


def output_stem(slide_path: str) -> str:
    """The name a slide's outputs share (see :func:`output_paths`)."""
    return osp.splitext(osp.basename(canonical_slide(slide_path)))[0]


def output_paths(slide_path: str, out_dir: str) -> Dict[str, str]:
    """The output files of a slide, written or not.

    Args:
        slide_path (str): The slide.
        out_dir (str): The output folder.

    Returns:
        dict[str, str]: Per registered output (``labels``, ``geojson``,
        ``overlay``, ``confidence``, ``dicom_seg``, ``summary``...), its
        path: the slide's file name without extension plus its suffix, a
        DICOM series named after its one name
        (:func:`~mmseg_hsp.slide_io.dicom.canonical_slide`: its folder or
        first file, however it was given).
    """
    stem = output_stem(slide_path)
    return {
        kind.name: osp.join(out_dir, stem + kind.suffix)
        for kind in slide_outputs()
    }
