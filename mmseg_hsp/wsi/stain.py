"""Stain normalisation of whole slides: estimated once, applied to every tile.

The slide's stain is estimated (Macenko, :mod:`mmseg_hsp.stain.macenko`) on
the tissue of the thumbnail the tissue mask was detected on, once per slide;
the fitted :class:`~mmseg_hsp.stain.MacenkoNormalizer` is a fixed per-pixel
map, applied to the analysis-resolution rows as they are read, before they
are cut into tiles. Every pixel is thus normalised once (not once per
overlapping tile), overlapping tiles see the same pixels, and the label map
equals that of the slide normalised as a whole beforehand.

Every slide, normalised or not, is also checked for looking H&E-stained
(:func:`h_and_e_check`): HSP-Net was trained on H&E, and an
immunohistochemistry slide (hematoxylin and brown DAB) would be graded
without a word. It warns, it does not refuse.
"""
from typing import Optional, Union

import numpy as np

from ..slide_io import ScaledRegion, SlideError
from ..stain import (H_AND_E_MAX_ANGLE, MacenkoNormalizer,
                     StainEstimationError, load_reference,
                     second_stain_angle)
from .tissue import TissueMask


class NormalizedRegion:
    """A :class:`ScaledRegion` whose reads come back stain-normalised.

    Args:
        region (ScaledRegion): The analysis frame.
        normalizer (MacenkoNormalizer): Fitted to the slide.
    """

    def __init__(self, region: ScaledRegion, normalizer: MacenkoNormalizer):
        self.region = region
        self.normalizer = normalizer
        self.size = region.size

    def read(self, top: int, left: int, height: int,
             width: int) -> np.ndarray:
        """:meth:`ScaledRegion.read`, normalised."""
        return self.normalizer.apply(
            self.region.read(top, left, height, width))


class SlideStain:
    """The stain normalisation setting of :class:`SlideSegmenter`.

    The reference is read when this is built, so a bad one fails before
    any slide is opened.

    Args:
        reference (dict | str, optional): The target stain: stored
            statistics (a dict, or a JSON file of it as
            ``MacenkoNormalizer.estimate`` returns) or a reference image.
            Defaults to Macenko et al.'s reference.
        origin (str, optional): Where the setting comes from, shown before
            the reference in summaries (e.g. the config's test pipeline).
            Defaults to None (given directly).
        **normalizer_args: Other arguments of
            :class:`~mmseg_hsp.stain.MacenkoNormalizer` (``light_intensity``,
            ``alpha``, ``beta``, ``min_pixels``).
    """

    def __init__(self,
                 reference: Union[dict, str, None] = None,
                 origin: Optional[str] = None,
                 **normalizer_args):
        self.normalizer_args = normalizer_args
        self.reference = load_reference(reference, **normalizer_args)
        described = reference if isinstance(reference, str) \
            else 'default' if reference is None else 'dict'
        self.reference_from = described if origin is None \
            else f'{origin}: {described}'

    @classmethod
    def from_config(cls, cfg) -> Optional['SlideStain']:
        """The stain normalisation a config evaluates with, for slides.

        A config whose test pipeline holds ``StainNormalize`` is evaluated
        on normalised images; its slides must be normalised alike, or the
        model sees stains it was never scored on.

        Args:
            cfg (Config): The model's config (``model.cfg``).

        Returns:
            SlideStain | None: With the transform's reference and arguments;
            None when the test pipeline has no ``StainNormalize``.
        """
        dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
        pipeline = dataset.get('pipeline') or cfg.get('test_pipeline') or []
        for transform in pipeline:
            settings = dict(transform)
            if str(settings.pop('type', '')).split('.')[-1] == \
                    'StainNormalize':
                return cls(settings.pop('reference', None),
                           origin="the config's test pipeline",
                           **settings)
        return None

    @property
    def settings(self) -> dict:
        """dict: The reference stain and normaliser arguments, all that
        decides the normalised pixels."""
        return dict(reference=self.reference, **self.normalizer_args)

    def fit(self,
            tissue: TissueMask,
            slide: str,
            tissue_tiles_only: bool = True) -> Optional[MacenkoNormalizer]:
        """Estimate a slide's stain on its thumbnail's tissue.

        Args:
            tissue (TissueMask): The slide's mask, with its thumbnail.
            slide (str): The slide's path, for errors.
            tissue_tiles_only (bool): Whether only tiles on tissue are run.
                Defaults to True.

        Returns:
            MacenkoNormalizer | None: Fitted; None if the mask has no
            tissue at all and only tissue tiles are run (none is run,
            there is nothing to normalise).

        Raises:
            SlideError: If there is tissue, but too little stain to
                estimate from.
        """
        if tissue_tiles_only and not tissue.mask.any():
            return None
        normalizer = MacenkoNormalizer(self.reference,
                                       **self.normalizer_args)
        try:
            normalizer.fit(tissue.thumbnail, tissue.mask)
        except StainEstimationError as error:
            raise SlideError(
                f'{slide}: cannot estimate its stain for normalisation on '
                f'its {tissue.mask.shape[1]}x{tissue.mask.shape[0]} '
                f'thumbnail ({error}); run this slide without stain '
                'normalisation') from None
        return normalizer

    def summary(self, normalizer: Optional[MacenkoNormalizer],
                tissue: TissueMask) -> dict:
        """What goes into the slide's JSON summary under ``stain``.

        Args:
            normalizer (MacenkoNormalizer, optional): From :meth:`fit`.
            tissue (TissueMask): What it was estimated on.

        Returns:
            dict: ``reference_from`` (the reference's file, ``'default'``
            or ``'dict'``, after the setting's origin if it has one),
            ``estimated_on`` (thumbnail size ``[w, h]`` and
            analysis pixels per thumbnail pixel), and the parameters of
            :attr:`MacenkoNormalizer.params` (``params`` None when the slide
            had no tissue and nothing was normalised).
        """
        height, width = tissue.mask.shape
        return dict(reference_from=self.reference_from,
                    estimated_on=dict(size=[width, height],
                                      cell=tissue.cell),
                    params=None if normalizer is None else normalizer.params)


def h_and_e_check(tissue: TissueMask,
                  estimate: Optional[dict] = None) -> Optional[dict]:
    """Whether a slide looks H&E-stained, from the stain of its thumbnail.

    Macenko's estimate on the thumbnail's tissue gives the slide's two
    dominant stains; the second one is eosin on an H&E slide, DAB on an
    immunohistochemistry slide. :func:`~mmseg_hsp.stain.second_stain_angle`
    tells them apart (above :data:`~mmseg_hsp.stain.H_AND_E_MAX_ANGLE`: not
    eosin).

    Args:
        tissue (TissueMask): The slide's mask, with its thumbnail.
        estimate (dict, optional): The stain already estimated on it (by
            stain normalisation), else estimated here.

    Returns:
        dict | None: ``second_stain`` (RGB optical density), ``angle``
        (degrees from green towards blue), ``max_angle`` and ``h_and_e``
        (bool); None when the thumbnail has too little stained tissue to
        tell.
    """
    stain = estimate
    if stain is None:
        try:
            stain = MacenkoNormalizer().estimate(tissue.thumbnail,
                                                 tissue.mask)
        except StainEstimationError:
            return None
    angle = second_stain_angle(stain)
    return dict(second_stain=[round(v, 4) for v in stain['eosin']],
                angle=round(angle, 2), max_angle=H_AND_E_MAX_ANGLE,
                h_and_e=angle <= H_AND_E_MAX_ANGLE)


def not_h_and_e_warning(check: Optional[dict]) -> Optional[str]:
    """The warning of a slide :func:`h_and_e_check` finds not H&E-like,
    None for one that looks H&E-stained (or could not be told)."""
    if check is None or check['h_and_e']:
        return None
    shown = ', '.join(f'{v:.2f}' for v in check['second_stain'])
    return (f'does not look H&E-stained: its second stain [{shown}] '
            f'absorbs blue more than green ({check["angle"]:.0f} deg from '
            f'green, eosin is below {check["max_angle"]:.0f}), as DAB '
            '(brown, immunohistochemistry) does; the model was trained on '
            'H&E, so its grades of this slide are not to be trusted')
