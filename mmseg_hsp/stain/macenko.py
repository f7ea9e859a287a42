"""Macenko stain normalisation, estimated once and applied to any tile.

Macenko et al. (ISBI 2009) estimate an image's hematoxylin and eosin
stain vectors from the extreme angles of its optical densities in their
principal plane, and the 99th percentile of each stain's concentration;
normalising re-mixes the concentrations, rescaled to the reference's
percentiles, with the reference's vectors. The estimation is torchstain's
(``NumpyMacenkoNormalizer.fit``, the reference implementation's port).

torchstain re-estimates the source stain at every ``normalize`` call, so
each tile of a slide would get its own stain and neighbouring tiles would
disagree at their seams. Here the source stain is estimated once
(:meth:`MacenkoNormalizer.fit`, e.g. on a slide's low-resolution level)
and kept as plain parameters; :meth:`MacenkoNormalizer.apply` is then a
fixed per-pixel map (a 3x3 linear map in optical density), so normalising
tiles and stitching them gives the same pixels as normalising the whole.
"""
import json
import os.path as osp
from typing import Optional, Union

import cv2
import numpy as np

from ..optional import import_extra
from .hed import check_rgb

# The `stain` extra (one line naming it when missing).
NumpyMacenkoNormalizer = import_extra('torchstain.numpy.normalizers',
                                      'stain').NumpyMacenkoNormalizer

# The reference of Macenko et al.'s published code (torchstain's default).
DEFAULT_REFERENCE = dict(
    hematoxylin=[0.5626, 0.7201, 0.4062],
    eosin=[0.2159, 0.8012, 0.5581],
    max_concentration=[1.9705, 1.0308])


class StainEstimationError(ValueError):
    """An image has too little stained tissue to estimate its stain from."""


class StainReferenceError(ValueError):
    """A reference stain cannot be read."""


def load_reference(reference: Union[dict, str, None] = None,
                   **kwargs) -> dict:
    """A reference stain from stored statistics or a reference image.

    Args:
        reference (dict | str, optional): The stain itself
            (``dict(hematoxylin=[r, g, b], eosin=[r, g, b],
            max_concentration=[h, e])``), a JSON file of it, or an image to
            estimate it from (any format OpenCV reads). Defaults to
            Macenko et al.'s (:data:`DEFAULT_REFERENCE`).
        **kwargs: Arguments of :class:`MacenkoNormalizer` for an image.

    Returns:
        dict: The reference stain.

    Raises:
        StainReferenceError: If the file is missing or unreadable, a
            key is missing or malformed, the image has too little
            tissue, or the stain is not H&E (:func:`check_h_and_e`).
    """
    if reference is None:
        return dict(DEFAULT_REFERENCE)
    if isinstance(reference, str):
        where = f'stain reference {reference}'
        if not osp.isfile(reference):
            raise StainReferenceError(
                f'{where}: no such file; give a JSON of stored statistics '
                '(MacenkoNormalizer.estimate) or a reference image')
        if reference.lower().endswith('.json'):
            try:
                with open(reference) as f:
                    reference = json.load(f)
            except ValueError as error:
                raise StainReferenceError(f'{where}: not JSON ({error})')
        else:
            image = cv2.imread(reference, cv2.IMREAD_COLOR)
            if image is None:
                raise StainReferenceError(
                    f'{where}: not an image OpenCV reads, nor a .json')
            try:
                reference = MacenkoNormalizer(**kwargs).estimate(
                    np.ascontiguousarray(image[..., ::-1]))
            except StainEstimationError as error:
                raise StainReferenceError(f'{where}: {error}')
    else:
        where = 'stain reference'
    lengths = dict(hematoxylin=3, eosin=3, max_concentration=2)
    if not isinstance(reference, dict):
        reference = {}
    for key, length in lengths.items():
        if np.shape(reference.get(key)) != (length, ):
            raise StainReferenceError(
                f'{where}: {key} must be a list of {length} numbers, as '
                'MacenkoNormalizer.estimate returns (hematoxylin, eosin, '
                'max_concentration)')
    reference = {key: [float(v) for v in reference[key]] for key in lengths}
    check_h_and_e(reference, where)
    return reference


# The most a second stain's optical density may turn from green towards
# blue and still be eosin: the angle at which it absorbs both equally.
# Published eosin vectors lie at 6 deg (Ruifrok & Johnston's), 17 deg and
# 35 deg (Macenko et al.'s reference, the bluest); DAB at 54 deg
# (Ruifrok & Johnston's). Macenko's estimate on synthetic H&E and H+DAB
# images lands within 5 deg of the vector stained with (tested), on each
# side of this angle.
H_AND_E_MAX_ANGLE = 45.0


def second_stain_angle(stain: dict) -> float:
    """How far the second stain turns from green towards blue, in degrees.

    Eosin (pink) absorbs green light most, DAB (brown, the chromogen of
    immunohistochemistry) blue most, and both little red: in the
    green-blue plane of optical density, eosin's vector lies near the
    green axis and DAB's near the blue one, whichever published vectors
    are taken, while their angle to one another in RGB need not separate
    them (Macenko et al.'s reference eosin is nearer DAB than Ruifrok &
    Johnston's eosin).

    Args:
        stain (dict): ``eosin``: the second stain's RGB optical density (an
            estimate names it so whatever it is).

    Returns:
        float: ``atan2(blue, green)`` in degrees, 0 to 90 for a stain.
    """
    _, green, blue = stain['eosin']
    return float(np.degrees(np.arctan2(blue, green)))


def check_h_and_e(stain: dict, where: str = 'stain reference') -> None:
    """Raise unless the second stain vector is eosin's, not DAB's.

    Macenko's estimate takes the two dominant stains of any image: on an
    immunohistochemistry (IHC) image those are hematoxylin and DAB, which
    would then pass for eosin, and every slide normalised to it would be
    re-coloured brown. Eosin (pink) absorbs green light most; DAB (brown)
    absorbs blue most (Ruifrok & Johnston's vectors: eosin
    ``[0.07, 0.99, 0.11]``, DAB ``[0.27, 0.57, 0.78]``):
    :func:`second_stain_angle` above :data:`H_AND_E_MAX_ANGLE`.

    Args:
        stain (dict): ``hematoxylin``, ``eosin`` RGB optical densities.
        where (str): What the stain is, for the message.

    Raises:
        StainReferenceError: If the "eosin" vector's blue optical density
            exceeds its green one.
    """
    if second_stain_angle(stain) > H_AND_E_MAX_ANGLE:
        shown = ', '.join(f'{v:.2f}' for v in stain['eosin'])
        raise StainReferenceError(
            f'{where}: its second stain [{shown}] absorbs blue most, as DAB '
            '(brown, immunohistochemistry) does, not green as eosin (pink) '
            'does: give an H&E-stained reference')


def _stain_matrix(stain: dict) -> np.ndarray:
    """``(3, 2)`` RGB OD vectors, columns hematoxylin and eosin."""
    return np.array([stain['hematoxylin'], stain['eosin']], np.float64).T


class MacenkoNormalizer:
    """Maps images to a reference H&E stain with fixed parameters.

    Use: ``fit`` once on the tissue of a slide (or of an image), then
    ``apply`` to every tile; or rebuild it from stored parameters with
    :meth:`from_params`. Pure-black pixels (outside an annotated region)
    stay black.

    Args:
        reference (dict, optional): The target stain:
            ``dict(hematoxylin=[r, g, b], eosin=[r, g, b],
            max_concentration=[h, e])`` (RGB optical density vectors and
            99th-percentile concentrations), as :meth:`estimate` returns.
            Defaults to Macenko et al.'s reference
            (:data:`DEFAULT_REFERENCE`).
        source (dict, optional): The stain of the images to normalise, in
            the same form; usually set by :meth:`fit`. Defaults to None.
        light_intensity (float): Intensity of the light through glass
            (``Io``). Defaults to 240.
        alpha (float): Percentile of the extreme stain angles. Defaults
            to 1.
        beta (float): Optical density (vector length) below which a pixel
            is taken for glass and left out of the estimation. Defaults to
            0.15.
        min_pixels (int): Fewest stained pixels an estimation accepts.
            Defaults to 100.
    """

    def __init__(self,
                 reference: Optional[dict] = None,
                 source: Optional[dict] = None,
                 light_intensity: float = 240,
                 alpha: float = 1,
                 beta: float = 0.15,
                 min_pixels: int = 100):
        self.reference = dict(reference or DEFAULT_REFERENCE)
        self.source = source
        self.light_intensity = light_intensity
        self.alpha = alpha
        self.beta = beta
        self.min_pixels = min_pixels

    @property
    def params(self) -> dict:
        """Everything :meth:`apply` uses, JSON-serialisable."""
        return dict(
            method='macenko',
            source=self.source,
            reference=self.reference,
            light_intensity=self.light_intensity)

    @classmethod
    def from_params(cls, params: dict) -> 'MacenkoNormalizer':
        """Rebuild a normaliser from :attr:`params`."""
        if params.get('method') != 'macenko':
            raise ValueError(f"stain parameters of method "
                             f"{params.get('method')!r}, not 'macenko'")
        return cls(params['reference'], params['source'],
                   params['light_intensity'])

    def estimate(self, image: np.ndarray,
                 mask: Optional[np.ndarray] = None) -> dict:
        """Estimate the stain of an image's tissue.

        Args:
            image (np.ndarray): uint8 RGB ``(H, W, 3)``, e.g. a slide's
                low-resolution level.
            mask (np.ndarray, optional): bool ``(H, W)``, True on tissue.
                Pure-black pixels are always left out, glass by ``beta``.
                Macenko et al. drop a pixel whose OD is below ``beta`` in
                any channel; here its OD vector's length decides, because
                eosin's red OD is often below ``beta`` and their rule then
                sees eosin only in mixtures with hematoxylin.

        Returns:
            dict: ``hematoxylin``, ``eosin`` (unit RGB OD vectors) and
            ``max_concentration`` (their 99th percentiles), as lists.
        """
        check_rgb(image)
        keep = image.any(axis=2)
        if mask is not None:
            if mask.shape != image.shape[:2]:
                raise ValueError(f'mask of shape {mask.shape} does not match '
                                 f'the image {image.shape[:2]}')
            keep &= mask.astype(bool)
        pixels = image[keep]
        density = -np.log((pixels + 1.0) / self.light_intensity)
        stained = pixels[np.linalg.norm(density, axis=1) >= self.beta]
        if len(stained) < self.min_pixels:
            raise StainEstimationError(
                f'stain estimation needs at least {self.min_pixels} stained '
                f'pixels, found {len(stained)}: pass an image (or mask) with '
                'more tissue')
        estimator = NumpyMacenkoNormalizer()
        # Glass is already left out: torchstain's own rule (OD >= beta in
        # every channel) would also drop pure eosin, whose red OD is small.
        estimator.fit(
            stained[:, None],
            Io=self.light_intensity,
            alpha=self.alpha,
            beta=-np.inf)
        vectors, max_concentration = estimator.HERef, estimator.maxCRef
        return dict(
            hematoxylin=vectors[:, 0].tolist(),
            eosin=vectors[:, 1].tolist(),
            max_concentration=max_concentration.tolist())

    def fit_reference(self,
                      image: np.ndarray,
                      mask: Optional[np.ndarray] = None) -> dict:
        """Take the stain of ``image`` as the reference; return it."""
        self.reference = self.estimate(image, mask)
        return self.reference

    def fit(self,
            image: np.ndarray,
            mask: Optional[np.ndarray] = None) -> dict:
        """Estimate the source stain once; return :attr:`params`."""
        self.source = self.estimate(image, mask)
        return self.params

    def density_map(self) -> np.ndarray:
        """``(3, 3)`` map from source to normalised optical density.

        Concentrations ``C = pinv(S) od`` are rescaled by the ratio of the
        reference's to the source's percentiles and re-mixed with the
        reference vectors ``R``: ``od' = R diag(ratio) pinv(S) od``.
        """
        if self.source is None:
            raise RuntimeError('MacenkoNormalizer has no source stain: call '
                               'fit() (or give source=) before apply()')
        ratio = (np.asarray(self.reference['max_concentration']) /
                 np.asarray(self.source['max_concentration']))
        return (_stain_matrix(self.reference) * ratio) @ np.linalg.pinv(
            _stain_matrix(self.source))

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Normalise an image or tile with the fitted parameters.

        Each output pixel depends only on the same input pixel, through
        per-channel tables and element-wise operations: tiles cut from an
        image normalise to exactly the pixels of the normalised image.

        Args:
            image (np.ndarray): uint8 RGB ``(H, W, 3)``.

        Returns:
            np.ndarray: uint8 RGB ``(H, W, 3)``.
        """
        check_rgb(image)
        levels = np.arange(256, dtype=np.float64)
        density = -np.log((levels + 1) / self.light_intensity)
        # tables[i, j, v]: output channel i's OD contributed by value v of
        # input channel j.
        tables = (self.density_map()[:, :, None] * density).astype(
            np.float32)
        out = np.empty(image.shape, np.uint8)
        for i in range(3):
            od = (tables[i, 0][image[..., 0]] + tables[i, 1][image[..., 1]] +
                  tables[i, 2][image[..., 2]])
            value = self.light_intensity * np.exp(-od)
            out[..., i] = np.clip(np.rint(value), 0, 255)
        out[~image.any(axis=2)] = 0
        return out
