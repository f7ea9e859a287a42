"""Small validated settings of the slide pipeline, grouped by concern.

:class:`ResolutionSpec` says which resolution a slide is analysed at and
:class:`OutputSpec` what the outputs label as background, how the GeoJSON
is written and which optional outputs are; the tiling and blending are
:class:`~mmseg_hsp.tiling.BlendSpec`.
Each checks its values when built, so a bad setting fails before any slide
is opened.
"""
from dataclasses import asdict, dataclass, fields
from typing import Optional

from ..slide_io.resolution import implausible_magnification, implausible_mpp

GEOJSON_ORIGINS = ('qupath', 'openslide')


@dataclass(frozen=True)
class ResolutionSpec:
    """The analysis resolution, and the slides' own where metadata lacks it.

    Args:
        magnification (float, optional): Analysis magnification. Defaults to
            10, the paper's. Ignored when ``mpp`` is given.
        mpp (float, optional): Analysis microns per pixel instead.
        input_mpp (float, optional): The slides' level-0 microns per pixel,
            for files without (or with wrong) metadata; it replaces both
            recorded values. One no slide scanner produces is refused
            (:mod:`.resolution`).
        input_magnification (float, optional): The slides' level-0
            magnification, likewise (e.g. 10 for MTCHI regions).
    """
    magnification: Optional[float] = 10.0
    mpp: Optional[float] = None
    input_mpp: Optional[float] = None
    input_magnification: Optional[float] = None

    def __post_init__(self):
        for setting in fields(self):
            value = getattr(self, setting.name)
            if value is not None and not (isinstance(value, (int, float))
                                          and value > 0):
                raise ValueError(f'{setting.name} must be a number > 0, got '
                                 f'{value!r}')
        if self.magnification is None and self.mpp is None:
            raise ValueError('give an analysis magnification or mpp')
        for value, implausible in ((self.input_mpp, implausible_mpp),
                                   (self.input_magnification,
                                    implausible_magnification)):
            reason = implausible(value) if value is not None else None
            if reason:
                raise ValueError(f'level-0 resolution {reason}')

    def to_dict(self) -> dict:
        """dict: The settings, as :func:`~mmseg_hsp.wsi.resolve_scale`'s
        keyword arguments."""
        return asdict(self)


@dataclass(frozen=True)
class OutputSpec:
    """What is labelled background, how polygons are written, and the
    optional outputs.

    Args:
        tissue_mask (bool): Skip tiles without tissue and label non-tissue
            background. Defaults to True.
        black_is_background (bool): Label pure-black (0, 0, 0) input pixels
            background (scanner fill, MTCHI's outside-region pixels).
            Defaults to True.
        geojson_origin (str): ``'qupath'`` (default): polygon coordinates in
            the slide as QuPath shows it (level 0, origin at the OpenSlide
            bounds where QuPath crops to them); ``'openslide'``: level-0
            coordinates of OpenSlide's ``read_region``.
        geojson_min_area (float): Regions (and holes) of at most this many
            analysis pixels are left out of the GeoJSON (not of the label
            map). Defaults to 64 (64 um^2 at x10, about one cell).
        confidence_tiff (bool): Write the confidence layer as a pyramidal
            TIFF beside the label map (``NAME.confidence.tif``). Defaults
            to True (its figures are in the summary and the GeoJSON
            either way).
        dicom_seg (bool): Also write a DICOM Segmentation
            (``NAME.seg.dcm``); only for DICOM slides. Defaults to False.
        two_tier (bool): Report a three-grade model in two tiers, LSIL
            (CIN1) and HSIL (CIN2 + CIN3) (:mod:`mmseg_hsp.grading`): every
            output (label map, GeoJSON, areas, report) holds the tiers.
            Defaults to False.
    """
    tissue_mask: bool = True
    black_is_background: bool = True
    geojson_origin: str = 'qupath'
    geojson_min_area: float = 64
    confidence_tiff: bool = True
    dicom_seg: bool = False
    two_tier: bool = False

    def __post_init__(self):
        if self.geojson_origin not in GEOJSON_ORIGINS:
            raise ValueError(f'geojson_origin {self.geojson_origin!r} is '
                             f'unknown; use one of {GEOJSON_ORIGINS}')
        if not (isinstance(self.geojson_min_area, (int, float))
                and self.geojson_min_area >= 0):
            raise ValueError(f'geojson_min_area must be a number >= 0, got '
                             f'{self.geojson_min_area!r}')
